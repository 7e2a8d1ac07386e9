package io.jvfio.migration.engine;

import io.jvfio.client.Iommufd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A VM's RAM as its VMM holds it: one segment of the VMM process's memory, mapped into the IO
 * address space of the VM's devices so they can write it by DMA. CPU writes go through {@link
 * #cpuWrite}, which records the page in a dirty log of its own (as KVM's dirty log does for a
 * vCPU); device writes are found by the {@link DirtyTracking} the RAM was attached with.
 */
public final class GuestRam {
  /** The page size of the RAM's dirty logs and of the wire. */
  public static final int PAGE = 4096;

  /**
   * Memory of the VMM process (on the emulated host its {@code UserMemory}, so IOAS_MAP sees it).
   */
  @FunctionalInterface
  public interface Allocator {
    /** {@code bytes} of zeroed process memory, page aligned. */
    MemorySegment allocate(long bytes);
  }

  /** The digest's name in reports: the SHA-256 of the SHA-256s of the 4 KiB pages, in order. */
  public static final String DIGEST_ALGORITHM = "SHA-256 of the 4 KiB page SHA-256s";

  private final MemorySegment memory;
  private final Allocator allocator;
  private final long pages;
  private final AtomicLongArray cpuDirty;

  /** Held by a vCPU while it writes; {@link #pauseCpus} takes it to stop them. */
  private final Object cpuLock = new Object();

  private boolean cpusPaused;
  private DirtyTracking tracking;

  /** The share of time, in percent, the vCPUs are kept from running (auto-converge). */
  private volatile int cpuThrottlePercent;

  /**
   * @param bytes the RAM size, a positive multiple of {@link #PAGE}
   * @param allocator where the RAM and the dirty bitmaps the kernel writes come from
   */
  public GuestRam(long bytes, Allocator allocator) {
    if (bytes <= 0 || bytes % PAGE != 0) {
      throw new IllegalArgumentException(
          "guest RAM must be a positive multiple of 4 KiB: " + bytes);
    }
    this.allocator = allocator;
    this.memory = allocator.allocate(bytes);
    this.pages = bytes / PAGE;
    this.cpuDirty = new AtomicLongArray((int) ((pages + 63) / 64));
  }

  public MemorySegment memory() {
    return memory;
  }

  public long bytes() {
    return memory.byteSize();
  }

  public long pages() {
    return pages;
  }

  Allocator allocator() {
    return allocator;
  }

  /** How device writes are tracked, once {@link #attach} ran; null before. */
  public DirtyTracking tracking() {
    return tracking;
  }

  /**
   * Maps the RAM at {@code iova} into a new IOAS of {@code iommufd} and attaches every device
   * (bound to that iommufd through its cdev) so that it can DMA into it, choosing how its writes
   * will be tracked.
   */
  public DirtyTracking attach(
      Iommufd iommufd, List<MigratingDevice> devices, long iova, DirtyTracking.Choice choice) {
    if (tracking != null) {
      throw new IllegalStateException("the guest RAM is attached already");
    }
    tracking = DirtyTracking.attach(this, iommufd, devices, iova, choice);
    return tracking;
  }

  /** A CPU (guest) write of one 8-byte word at {@code offset}, recorded in the CPU dirty log. */
  public void cpuWrite(long offset, long value) {
    memory.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    markCpuDirty(offset / PAGE);
  }

  /** A CPU write of {@code bytes} at {@code offset}, recorded in the CPU dirty log. */
  public void cpuWrite(long offset, MemorySegment bytes) {
    MemorySegment.copy(bytes, 0, memory, offset, bytes.byteSize());
    for (long p = offset / PAGE; p <= (offset + bytes.byteSize() - 1) / PAGE; p++) {
      markCpuDirty(p);
    }
  }

  private void markCpuDirty(long page) {
    int w = (int) (page >>> 6);
    long bit = 1L << (page & 63);
    long old;
    do {
      old = cpuDirty.get(w);
      if ((old & bit) != 0) {
        return;
      }
    } while (!cpuDirty.compareAndSet(w, old, old | bit));
  }

  /**
   * Moves the CPU dirty log into {@code words} (one bit per page, ORed) and clears it; returns how
   * many pages it held.
   */
  long harvestCpuDirty(long[] words) {
    long n = 0;
    for (int w = 0; w < words.length; w++) {
      long bits = cpuDirty.getAndSet(w, 0);
      if (bits != 0) {
        n += Long.bitCount(bits);
        words[w] |= bits;
      }
    }
    return n;
  }

  /**
   * Runs {@code write} as a vCPU does, unless the VM's CPUs are paused; returns whether it ran. A
   * pause waits for a write in progress, so no CPU write lands after {@link #pauseCpus} returns.
   */
  boolean asVcpu(Runnable write) {
    synchronized (cpuLock) {
      if (cpusPaused) {
        return false;
      }
      write.run();
      return true;
    }
  }

  /** Stops the VM's CPUs (QEMU's vm_stop): when this returns no CPU writes RAM any more. */
  public void pauseCpus() {
    synchronized (cpuLock) {
      cpusPaused = true;
    }
  }

  /** Lets the VM's CPUs run again (a failed migration resumes the VM on its source). */
  public void resumeCpus() {
    synchronized (cpuLock) {
      cpusPaused = false;
    }
  }

  /**
   * How much the vCPUs are throttled, in percent of their time (0: not at all). A migration with
   * auto-converge raises it while the guest dirties RAM faster than precopy moves it, and sets it
   * back to 0 when it ends, whatever the outcome.
   */
  public int cpuThrottlePercent() {
    return cpuThrottlePercent;
  }

  void throttleCpus(int percent) {
    if (percent < 0 || percent > 99) {
      throw new IllegalArgumentException("a CPU throttle is 0-99 %, not " + percent);
    }
    cpuThrottlePercent = percent;
  }

  public boolean cpusPaused() {
    synchronized (cpuLock) {
      return cpusPaused;
    }
  }

  /**
   * The RAM's content as a hex {@link #DIGEST_ALGORITHM}: per page its SHA-256 (a zero page's is
   * computed once), then the SHA-256 of those in page order; per page, so that a destination can
   * keep it up to date as pages arrive (see {@link PageDigest}).
   */
  public String digest() {
    return new PageDigest(memory).digest();
  }

  private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[PAGE]);

  /** Whether every byte of {@code s} (a multiple of 8 bytes long) is zero. */
  static boolean isZero(MemorySegment s) {
    long n = s.byteSize();
    for (long at = 0; at < n; at += PAGE) {
      long len = Math.min(PAGE, n - at);
      if (MemorySegment.mismatch(s, at, at + len, ZERO_PAGE, 0, len) != -1) {
        return false;
      }
    }
    return true;
  }
}
