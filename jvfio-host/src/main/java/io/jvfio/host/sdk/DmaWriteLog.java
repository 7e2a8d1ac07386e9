package io.jvfio.host.sdk;

import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * DMA dirty logging fed by the device's own writes: a model returns one from {@link
 * DeviceModel#dmaLogging()} and every write it makes through {@link DeviceContext#dma()} that lands
 * inside a logged range marks its 4 KiB pages. Nothing else marks it, so a report holds exactly the
 * pages the device wrote since the last report of them. Like mlx5, a second start without a stop is
 * EINVAL, a report while not started is EINVAL and a stop without a start does nothing; pages are
 * tracked at 4 KiB whatever size START asked for, and that is the size START answers.
 */
public final class DmaWriteLog implements DmaLogging {
  /** The granularity of the log. */
  public static final long PAGE_SIZE = 4096;

  private List<Range> ranges;
  // dirty 4 KiB pages (IOVA >>> 12): 64 pages per word, keyed by page >>> 6
  private final TreeMap<Long, Long> words = new TreeMap<>(Long::compareUnsigned);

  @Override
  public synchronized long start(List<Range> logged, long pageSize) {
    if (ranges != null) {
      throw new MigrationException(Errno.EINVAL, "DMA logging already started");
    }
    ranges = List.copyOf(logged);
    words.clear();
    return PAGE_SIZE;
  }

  @Override
  public synchronized void stop() {
    ranges = null;
    words.clear();
  }

  /** Whether logging is on. */
  public synchronized boolean active() {
    return ranges != null;
  }

  @Override
  public DmaWriteLog writeLog() {
    return this;
  }

  /** A write of {@code [iova, iova + length)} landed: marks its pages inside the logged ranges. */
  synchronized void written(long iova, long length) {
    if (ranges == null || length <= 0) {
      return;
    }
    long last = iova + length - 1;
    for (Range r : ranges) {
      if (r.length() == 0) {
        continue;
      }
      long rLast = r.iova() + r.length() - 1;
      if (Long.compareUnsigned(iova, rLast) > 0 || Long.compareUnsigned(r.iova(), last) > 0) {
        continue;
      }
      long from = Long.compareUnsigned(iova, r.iova()) > 0 ? iova : r.iova();
      long to = Long.compareUnsigned(last, rLast) < 0 ? last : rLast;
      for (long p = from >>> 12; Long.compareUnsigned(p, to >>> 12) <= 0; p++) {
        words.merge(p >>> 6, 1L << (p & 63), (a, b) -> a | b);
        if (p == (to >>> 12)) {
          break; // p + 1 could wrap at the top of the space
        }
      }
    }
  }

  /**
   * Reports and clears the pages of {@code [iova, iova + length)}: {@code dirty} gets each index
   * {@code (address - iova) / pageSize} that a dirty page touches, once, in increasing order.
   */
  @Override
  public void report(long iova, long length, long pageSize, LongConsumer dirty) {
    List<Long> pages = new ArrayList<>();
    long last = iova + length - 1;
    synchronized (this) {
      // mlx5 refuses a report while its tracker is not running
      if (ranges == null) {
        throw new MigrationException(Errno.EINVAL, "DMA logging not started");
      }
      if (length == 0) {
        return;
      }
      long firstPage = iova >>> 12;
      long lastPage = last >>> 12;
      for (Map.Entry<Long, Long> e :
          new ArrayList<>(words.subMap(firstPage >>> 6, true, lastPage >>> 6, true).entrySet())) {
        long word = e.getValue();
        long keep = word;
        for (long bits = word; bits != 0; bits &= bits - 1) {
          int b = Long.numberOfTrailingZeros(bits);
          long p = (e.getKey() << 6) | b;
          if (Long.compareUnsigned(p, firstPage) >= 0 && Long.compareUnsigned(p, lastPage) <= 0) {
            pages.add(p);
            keep &= ~(1L << b);
          }
        }
        if (keep == 0) {
          words.remove(e.getKey());
        } else {
          words.put(e.getKey(), keep);
        }
      }
    }
    long reported = -1;
    for (long p : pages) {
      long lo = p << 12;
      long hi = lo + PAGE_SIZE - 1;
      lo = Long.compareUnsigned(lo, iova) < 0 ? iova : lo;
      hi = Long.compareUnsigned(hi, last) > 0 ? last : hi;
      long first = Long.divideUnsigned(lo - iova, pageSize);
      long end = Long.divideUnsigned(hi - iova, pageSize);
      for (long i = Math.max(first, reported + 1); i <= end; i++) {
        dirty.accept(i);
        reported = i;
      }
    }
  }
}
