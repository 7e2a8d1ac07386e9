package io.jvfio.migration.engine;

import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A simulated guest vCPU: a thread that writes one random 8-byte word into a random page of the
 * guest RAM, {@code pagesPerSecond} times a second, through {@link GuestRam#cpuWrite} so that every
 * write lands in the CPU dirty log. It writes nothing while the VM's CPUs are paused.
 */
public final class Vcpu implements AutoCloseable {
  private final GuestRam ram;
  private final double pagesPerSecond;
  private final SplittableRandom random;
  private final Thread thread;
  private volatile boolean closed;
  private volatile long writes;

  private Vcpu(GuestRam ram, double pagesPerSecond, long seed) {
    if (!(pagesPerSecond > 0) || Double.isInfinite(pagesPerSecond)) {
      throw new IllegalArgumentException("a vCPU's write rate must be positive: " + pagesPerSecond);
    }
    this.ram = ram;
    this.pagesPerSecond = pagesPerSecond;
    this.random = new SplittableRandom(seed);
    this.thread = Thread.ofPlatform().daemon().name("guest-vcpu").unstarted(this::run);
  }

  /** Starts a vCPU writing {@code ram} at {@code pagesPerSecond}. */
  public static Vcpu start(GuestRam ram, double pagesPerSecond, long seed) {
    Vcpu v = new Vcpu(ram, pagesPerSecond, seed);
    v.thread.start();
    return v;
  }

  /** Writes done so far. */
  public long writes() {
    return writes;
  }

  private void run() {
    long last = System.nanoTime();
    double credit = 0;
    while (!closed) {
      long now = System.nanoTime();
      // at most a tenth of a second's worth at once, so a stall is not made up in a burst
      credit = Math.min(credit + pagesPerSecond * (now - last) / 1e9, pagesPerSecond / 10 + 1);
      last = now;
      long n = (long) credit;
      if (n > 0) {
        credit -= n;
        ram.asVcpu(() -> {
          for (long i = 0; i < n; i++) {
            long page = random.nextLong(ram.pages());
            ram.cpuWrite(
                page * GuestRam.PAGE + 8L * random.nextInt(GuestRam.PAGE / 8),
                random.nextLong() | 1);
          }
          writes += n;
        });
      }
      LockSupport.parkNanos(1_000_000L);
    }
  }

  /** Stops the thread and waits for it (at most a second: it never blocks for long). */
  @Override
  public void close() {
    closed = true;
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
