package io.jvfio.host.iommufd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * The dirty bits of a domain's 4 KiB IO page-table entries (VT-d second-stage A/D): set by device
 * writes while tracking is on, read and cleared by IOMMU_HWPT_GET_DIRTY_BITMAP. Sparse: 64 pages a
 * word, keyed by {@code page >>> 6}. Device threads set bits while the owning process reads them,
 * so every method takes this object's lock.
 */
final class DirtyBits {
  private final TreeMap<Long, Long> words = new TreeMap<>(Long::compareUnsigned);

  /** Marks the pages that {@code [iova, last]} touches. */
  synchronized void mark(long iova, long last) {
    long lastPage = last >>> 12;
    for (long p = iova >>> 12; ; p++) {
      words.merge(p >>> 6, 1L << (p & 63), (a, b) -> a | b);
      if (p == lastPage) {
        return;
      }
    }
  }

  /**
   * Hands each dirty page of {@code [iova, last]} (page numbers, increasing) to {@code dirty} and,
   * unless {@code keep}, clears it.
   */
  void take(long iova, long last, boolean keep, LongConsumer dirty) {
    List<Long> pages = new ArrayList<>();
    synchronized (this) {
      long first = iova >>> 12;
      long lastPage = last >>> 12;
      for (Map.Entry<Long, Long> e :
          new ArrayList<>(words.subMap(first >>> 6, true, lastPage >>> 6, true).entrySet())) {
        long left = e.getValue();
        for (long bits = e.getValue(); bits != 0; bits &= bits - 1) {
          int b = Long.numberOfTrailingZeros(bits);
          long p = (e.getKey() << 6) | b;
          if (Long.compareUnsigned(p, first) >= 0 && Long.compareUnsigned(p, lastPage) <= 0) {
            pages.add(p);
            left &= ~(1L << b);
          }
        }
        if (!keep) {
          if (left == 0) {
            words.remove(e.getKey());
          } else {
            words.put(e.getKey(), left);
          }
        }
      }
    }
    pages.forEach(dirty::accept);
  }

  /** Clears the pages of {@code [iova, last]} (an unmap drops its IO page-table entries). */
  void clear(long iova, long last) {
    take(iova, last, false, p -> {});
  }

  synchronized void clearAll() {
    words.clear();
  }

  /** How many pages are dirty. */
  synchronized long count() {
    long n = 0;
    for (long w : words.values()) {
      n += Long.bitCount(w);
    }
    return n;
  }
}
