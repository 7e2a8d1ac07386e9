package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.UserMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The walk of IOMMU_HWPT_GET_DIRTY_BITMAP once the range is valid, as Linux 6.12.117 does it: one
 * pass over the contiguous mappings from {@code iova} (io_pagetable.c), reading and clearing
 * (unless NO_CLEAR) every dirty page and setting bit {@code (a - iova) / page_size} for each of its
 * addresses {@code a}. The caller's bitmap is never pinned up front (iova_bitmap_alloc pins
 * nothing); a bit is set by pinning the bitmap memory it lies in when it is needed, and when that
 * memory cannot be pinned (not mapped, read-only) the bit is dropped without an error, although the
 * page was read and cleared. The walk's own failures are not returned either: a hole in the
 * mappings, or tracking being off (VT-d's read_and_clear_dirty refuses a bitmap then), end it early
 * with success.
 */
final class DirtyBitmapWalk {
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private DirtyBitmapWalk() {}

  /** Walks {@code [iova, iova + length)} ({@code length > 0}) into the bitmap at {@code data}. */
  static void run(
      Hwpt h, long iova, long length, long pageSize, long data, boolean keep, UserMemory memory) {
    if (!h.tracking) {
      return;
    }
    long last = iova + length - 1;
    int shift = Long.numberOfTrailingZeros(pageSize);
    long cur = iova;
    while (true) {
      Area a = h.ioas.table.areaAt(cur);
      if (a == null) {
        return;
      }
      long end = Iova.lt(a.last(), last) ? a.last() : last;
      long pieceStart = cur;
      h.dirty.take(
          cur,
          end,
          keep,
          page -> {
            long lo = Iova.lt(page << 12, pieceStart) ? pieceStart : page << 12;
            long pageLast = (page << 12) + Iova.PAGE_SIZE - 1;
            long hi = Iova.lt(end, pageLast) ? end : pageLast;
            setBits(memory, data, (lo - iova) >>> shift, (hi - iova) >>> shift);
          });
      if (end == last) {
        return;
      }
      cur = end + 1;
    }
  }

  /**
   * Sets bits {@code [from, to]} of the caller's bitmap at {@code data} (little-endian u64 words),
   * each word only where the caller's memory can be written: iova_bitmap_set pins the bitmap page a
   * bit is in and gives up on that bit quietly when it cannot.
   */
  private static void setBits(UserMemory memory, long data, long from, long to) {
    long b = from;
    while (Long.compareUnsigned(b, to) <= 0) {
      long word = b >>> 6;
      long upTo = Long.compareUnsigned(to, word * 64 + 63) < 0 ? to : word * 64 + 63;
      MemorySegment w = pinWord(memory, data + word * 8);
      if (w != null) {
        long mask = -1L << (b & 63);
        if ((upTo & 63) != 63) {
          mask &= (1L << ((upTo & 63) + 1)) - 1;
        }
        w.set(U64, 0, w.get(U64, 0) | mask);
      }
      if (upTo == -1L) {
        return;
      }
      b = upTo + 1;
    }
  }

  /** The 8 bytes at {@code addr} if the caller's memory there can be pinned for writing. */
  private static MemorySegment pinWord(UserMemory memory, long addr) {
    MemorySegment tail = memory.tail(addr);
    if (tail == null || tail.isReadOnly() || tail.byteSize() < 8) {
      return null;
    }
    return tail.asSlice(0, 8);
  }
}
