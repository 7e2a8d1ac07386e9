package io.jvfio.host.iommu;

/**
 * Unsigned 64-bit IOVA arithmetic (IOVAs, lengths and user addresses are {@code u64}), and the
 * emulated IOMMU's geometry: a VT-d with 4-level tables, whose domains enforce cache coherency.
 */
public final class Iova {
  public static final long ULONG_MAX = -1L;
  public static final long PAGE_SIZE = 4096;

  /** Page sizes a domain can map: 4K, 2M, 1G. */
  public static final long PGSIZE_BITMAP = 0x40201000L;

  /** The last IOVA a domain translates (48 address bits). */
  public static final long APERTURE_LAST = (1L << 48) - 1;

  /** The x86 MSI window every device reserves in the IOVA space it is attached to. */
  public static final long MSI_START = 0xfee00000L;

  public static final long MSI_LAST = 0xfeefffffL;

  private Iova() {}

  public static boolean lt(long a, long b) {
    return Long.compareUnsigned(a, b) < 0;
  }

  public static boolean le(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0;
  }

  /** True when {@code a + b} wraps past 2^64. */
  public static boolean addOverflows(long a, long b) {
    return Long.compareUnsigned(a + b, a) < 0;
  }

  /** Inclusive ranges [s1, l1] and [s2, l2] share a byte. */
  public static boolean intersects(long s1, long l1, long s2, long l2) {
    return le(s1, l2) && le(s2, l1);
  }

  public static long roundupPowerOfTwo(long v) {
    long h = Long.highestOneBit(v);
    return h == v ? v : h << 1;
  }
}
