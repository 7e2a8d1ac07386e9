package io.jvfio.migration.engine;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A simulated guest vCPU: a thread that writes one random 8-byte word into a random page of the
 * guest RAM, {@code pagesPerSecond} times a second, through {@link GuestRam#cpuWrite} so that every
 * write lands in the CPU dirty log. It writes nothing while the VM's CPUs are paused, and only its
 * share while they are throttled ({@link GuestRam#cpuThrottlePercent}).
 */
public final class Vcpu implements AutoCloseable {
  private final GuestRam ram;
  private final double pagesPerSecond;
  private final SplittableRandom random;
  private final Thread thread;
  private volatile boolean closed;
  private volatile long writes;

  // the pacing state, touched only by the vCPU's own thread (or a test driving step())
  private long last;
  private double credit;

  /** A vCPU whose pacing starts at {@code now} (System.nanoTime), not yet running. */
  Vcpu(GuestRam ram, double pagesPerSecond, long seed, long now) {
    this.ram = Objects.requireNonNull(ram, "ram");
    if (!(pagesPerSecond > 0) || Double.isInfinite(pagesPerSecond)) {
      throw new IllegalArgumentException("a vCPU's write rate must be positive: " + pagesPerSecond);
    }
    this.pagesPerSecond = pagesPerSecond;
    this.random = new SplittableRandom(seed);
    this.last = now;
    this.thread = Thread.ofPlatform().daemon().name("guest-vcpu").unstarted(this::run);
  }

  /** Starts a vCPU writing {@code ram} at {@code pagesPerSecond}. */
  public static Vcpu start(GuestRam ram, double pagesPerSecond, long seed) {
    Vcpu v = new Vcpu(ram, pagesPerSecond, seed, System.nanoTime());
    v.thread.start();
    return v;
  }

  /** Writes done so far. */
  public long writes() {
    return writes;
  }

  private void run() {
    while (!closed) {
      step(System.nanoTime());
      LockSupport.parkNanos(1_000_000L);
    }
  }

  /**
   * One pacing step at {@code now}: writes the whole words the time since the previous step has
   * earned, and returns how many it wrote. While the CPUs are paused the earned writes are dropped,
   * not saved, so a resume does not bring a burst.
   */
  long step(long now) {
    // at most a tenth of a second's worth at once, so a stall is not made up in a burst
    // a throttled vCPU runs only its share of the time (auto-converge), and writes that much less
    double share = (100 - ram.cpuThrottlePercent()) / 100.0;
    credit =
        Math.min(credit + pagesPerSecond * share * (now - last) / 1e9, pagesPerSecond / 10 + 1);
    last = now;
    long n = (long) credit;
    if (n == 0) {
      return 0;
    }
    credit -= n;
    boolean ran =
        ram.asVcpu(() -> {
          for (long i = 0; i < n; i++) {
            long page = random.nextLong(ram.pages());
            ram.cpuWrite(
                page * GuestRam.PAGE + 8L * random.nextInt(GuestRam.PAGE / 8),
                random.nextLong() | 1);
          }
          writes += n;
        });
    return ran ? n : 0;
  }

  /** Whether the vCPU's thread is still running (false once {@link #close} returned). */
  boolean running() {
    return thread.isAlive();
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
