package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * A set of IOVAs kept as maximal inclusive spans (overlapping and adjacent spans merge), keyed by
 * start in unsigned order, so adding, removing and asking whether a range hits the set cost {@code
 * O(log n)} per span they touch.
 */
final class IovaSpans {
  private final TreeMap<Long, Long> spans = new TreeMap<>(Long::compareUnsigned);

  /** Adds {@code [start, last]}, merging with every span it overlaps or touches. */
  void add(long start, long last) {
    long s = start;
    long l = last;
    long probe = last == Iova.ULONG_MAX ? last : last + 1;
    while (true) {
      Map.Entry<Long, Long> e = spans.floorEntry(probe);
      if (e == null || (start != 0 && Iova.lt(e.getValue(), start - 1))) {
        break;
      }
      spans.remove(e.getKey());
      s = Iova.lt(e.getKey(), s) ? e.getKey() : s;
      l = Iova.lt(l, e.getValue()) ? e.getValue() : l;
    }
    spans.put(s, l);
  }

  /** Removes {@code [start, last]}; spans sticking out keep their outer parts. */
  void remove(long start, long last) {
    while (true) {
      Map.Entry<Long, Long> e = spans.floorEntry(last);
      if (e == null || Iova.lt(e.getValue(), start)) {
        return;
      }
      spans.remove(e.getKey());
      if (Iova.lt(e.getKey(), start)) {
        spans.put(e.getKey(), start - 1);
      }
      if (Iova.lt(last, e.getValue())) {
        spans.put(last + 1, e.getValue());
      }
    }
  }

  /** True when some IOVA of {@code [start, last]} is in the set. */
  boolean intersects(long start, long last) {
    Map.Entry<Long, Long> e = spans.floorEntry(last);
    return e != null && Iova.le(start, e.getValue());
  }

  /** Calls {@code action(start, last)} for each part of the set inside {@code [start, last]}. */
  void forEachWithin(long start, long last, BiConsumer<Long, Long> action) {
    Map.Entry<Long, Long> first = spans.floorEntry(start);
    Long from = first != null && Iova.le(start, first.getValue()) ? first.getKey() : start;
    for (Map.Entry<Long, Long> e : spans.tailMap(from, true).entrySet()) {
      if (Iova.lt(last, e.getKey())) {
        return;
      }
      long s = Iova.lt(e.getKey(), start) ? start : e.getKey();
      long l = Iova.lt(last, e.getValue()) ? last : e.getValue();
      action.accept(s, l);
    }
  }

  /** The spans in ascending order, start to last (a live view: do not change the set meanwhile). */
  Iterable<Map.Entry<Long, Long>> spans() {
    return spans.entrySet();
  }

  void clear() {
    spans.clear();
  }

  boolean isEmpty() {
    return spans.isEmpty();
  }
}
