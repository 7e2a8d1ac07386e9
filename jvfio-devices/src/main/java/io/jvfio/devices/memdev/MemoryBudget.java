package io.jvfio.devices.memdev;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * How many bytes of backing memory the memdev devices of one JVM may commit together. Device memory
 * is committed in chunks on first write (see {@link LazyMemory}); a write that would take the total
 * past the limit fails with a clear error (ENOMEM at a data fd write, {@link OutOfDeviceMemory}
 * elsewhere) instead of the JVM or the kernel running out of memory.
 *
 * <p>The default limit is the system property {@value #PROPERTY} (bytes, with an optional k, m, g
 * or t suffix) or else three quarters of what physical memory (as the JVM sees it, container limits
 * included) leaves after the largest heap the JVM may grow to: device memory is native, outside the
 * heap, and the rest of the system needs some too. The limit is per JVM: two JVMs on one machine
 * each get their own.
 */
public final class MemoryBudget {
  public static final String PROPERTY = "jvfio.memdev.budget";

  private static final MemoryBudget DEFAULT = new MemoryBudget(defaultLimit());

  private final long limit;
  private long used;

  public MemoryBudget(long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("memory budget " + limit);
    }
    this.limit = limit;
  }

  /** The JVM-wide budget every memdev uses unless it is given one. */
  public static MemoryBudget shared() {
    return DEFAULT;
  }

  public long limit() {
    return limit;
  }

  public synchronized long used() {
    return used;
  }

  /** Takes {@code bytes} if they fit, else returns false and takes nothing. */
  synchronized boolean tryReserve(long bytes) {
    if (bytes > limit - used) {
      return false;
    }
    used += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    if (bytes > used) {
      throw new IllegalStateException("memdev budget: releasing " + bytes + " of " + used);
    }
    used -= bytes;
  }

  static long defaultLimit() {
    String p = System.getProperty(PROPERTY);
    if (p != null && !p.isBlank()) {
      return parseSize(p.trim());
    }
    long physical =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    return Math.max(0, physical - Runtime.getRuntime().maxMemory()) / 4 * 3;
  }

  /** {@code 123}, {@code 64k}, {@code 512m}, {@code 8g}, {@code 1t} (binary multiples). */
  static long parseSize(String s) {
    String t = s.toLowerCase(Locale.ROOT);
    int shift =
        switch (t.charAt(t.length() - 1)) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          case 't' -> 40;
          default -> 0;
        };
    String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
    long v;
    try {
      v = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PROPERTY + " must be bytes with k/m/g/t, not " + s, e);
    }
    if (v < 0 || v > Long.MAX_VALUE >> shift) {
      throw new IllegalArgumentException(PROPERTY + " out of range: " + s);
    }
    return v << shift;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%d of %d MiB in use", used() >> 20, limit >> 20);
  }
}
