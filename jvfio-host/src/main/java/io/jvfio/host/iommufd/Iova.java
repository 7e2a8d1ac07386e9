package io.jvfio.host.iommufd;

/** Unsigned 64-bit IOVA arithmetic: IOVAs, lengths and user addresses are {@code u64}. */
final class Iova {
  static final long ULONG_MAX = -1L;
  static final long PAGE_SIZE = 4096;

  private Iova() {}

  static boolean lt(long a, long b) {
    return Long.compareUnsigned(a, b) < 0;
  }

  static boolean le(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0;
  }

  /** True when {@code a + b} wraps past 2^64. */
  static boolean addOverflows(long a, long b) {
    return Long.compareUnsigned(a + b, a) < 0;
  }

  /** Inclusive ranges [s1, l1] and [s2, l2] share a byte. */
  static boolean intersects(long s1, long l1, long s2, long l2) {
    return le(s1, l2) && le(s2, l1);
  }

  static long roundupPowerOfTwo(long v) {
    long h = Long.highestOneBit(v);
    return h == v ? v : h << 1;
  }
}
