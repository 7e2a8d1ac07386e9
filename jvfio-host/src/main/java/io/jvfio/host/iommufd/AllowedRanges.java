package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The allowed IOVA ranges of an IOAS: pairwise disjoint, kept in the caller's order (what {@link
 * IoPageTable#allowed()} reports) and sorted by start (for {@code O(log n)} intersection checks).
 * {@link Builder} checks disjointness as each range arrives, as IOMMU_IOAS_ALLOW_IOVAS does: {@code
 * O(1)} per range while they come in ascending order, {@code O(log n)} otherwise.
 */
final class AllowedRanges {
  static final AllowedRanges NONE = new AllowedRanges(new long[0], new long[0], 0, null);

  private final long[] starts; // in the caller's order
  private final long[] lasts;
  private final int size;
  private final long[] sortedStarts;
  private final long[] sortedLasts;

  private AllowedRanges(long[] starts, long[] lasts, int size, TreeMap<Long, Long> sorted) {
    this.starts = starts;
    this.lasts = lasts;
    this.size = size;
    if (sorted == null) {
      sortedStarts = starts;
      sortedLasts = lasts;
    } else {
      sortedStarts = new long[size];
      sortedLasts = new long[size];
      int i = 0;
      for (Map.Entry<Long, Long> e : sorted.entrySet()) {
        sortedStarts[i] = e.getKey();
        sortedLasts[i++] = e.getValue();
      }
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** True when one of the ranges holds an IOVA of {@code [start, last]}. */
  boolean intersects(long start, long last) {
    // the last range starting at or below `last`; disjoint ranges sorted by start are sorted by end
    int lo = 0;
    int hi = size - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Iova.le(sortedStarts[mid], last)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && Iova.le(start, sortedLasts[found]);
  }

  /** Calls {@code action} for each range in ascending order. */
  void forEachSorted(RangeAction action) {
    for (int i = 0; i < size; i++) {
      action.accept(sortedStarts[i], sortedLasts[i]);
    }
  }

  /** A consumer of one inclusive range. */
  @FunctionalInterface
  interface RangeAction {
    void accept(long start, long last);
  }

  /** The ranges in the caller's order. */
  List<IovaRange> inOrder() {
    return new AbstractList<>() {
      @Override
      public IovaRange get(int i) {
        return new IovaRange(starts[i], lasts[i]);
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  /** Collects ranges, refusing one that overlaps a range added before. */
  static final class Builder {
    private long[] starts;
    private long[] lasts;
    private int size;
    private TreeMap<Long, Long> sorted; // built once the ranges stop ascending

    Builder() {
      this(16);
    }

    /** A builder with room for {@code expected} ranges. */
    Builder(int expected) {
      starts = new long[Math.max(1, expected)];
      lasts = new long[Math.max(1, expected)];
    }

    /** Adds {@code [start, last]}; false (and nothing added) when it hits an earlier range. */
    boolean add(long start, long last) {
      if (sorted == null && size > 0 && !Iova.lt(lasts[size - 1], start)) {
        sorted = new TreeMap<>(Long::compareUnsigned);
        for (int i = 0; i < size; i++) {
          sorted.put(starts[i], lasts[i]);
        }
      }
      if (sorted != null) {
        Map.Entry<Long, Long> below = sorted.floorEntry(last);
        if (below != null && Iova.le(start, below.getValue())) {
          return false;
        }
        sorted.put(start, last);
      }
      if (size == starts.length) {
        starts = java.util.Arrays.copyOf(starts, size * 2);
        lasts = java.util.Arrays.copyOf(lasts, size * 2);
      }
      starts[size] = start;
      lasts[size++] = last;
      return true;
    }

    AllowedRanges build() {
      return new AllowedRanges(starts, lasts, size, sorted);
    }
  }
}
