package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.UserMemory;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The walk of IOMMU_HWPT_GET_DIRTY_BITMAP once the range is valid: the caller's bitmap is taken in
 * windows of at most 512 pages of its memory (iova_bitmap.c), each window walked over the
 * contiguous mappings from its start (io_pagetable.c), setting bit {@code (a - iova) / page_size}
 * for every dirty page {@code a} and clearing it unless NO_CLEAR. As in Linux the walk's own
 * failures are not returned: a hole in the mappings, a window of bitmap memory that cannot be
 * pinned after the first, or tracking being off (VT-d's read_and_clear_dirty refuses a bitmap then)
 * end it early with success. A window is pinned as far as the caller's memory goes, so a bitmap
 * smaller than the range reports the part that fits. A first window of which nothing can be pinned
 * is ENOMEM (iova_bitmap_alloc's failure, as iommufd reports it).
 */
final class DirtyBitmapWalk {
  /** The most bitmap memory one window pins: 512 pages. */
  private static final long WINDOW_BYTES = 512 * Iova.PAGE_SIZE;

  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private DirtyBitmapWalk() {}

  /**
   * Walks {@code [iova, iova + length)} into the bitmap at {@code data}; a {@code length} of 0
   * (only valid at iova 0) is the whole 2^64 space, as Linux computes {@code length - 1}.
   */
  static void run(
      Hwpt h, long iova, long length, long pageSize, long data, boolean keep, UserMemory memory) {
    long last = iova + length - 1;
    int shift = Long.numberOfTrailingZeros(pageSize);
    long words = Long.divideUnsigned((length - 1) >>> shift, 64) + 1;
    long done = 0;
    // bit indexes [ahead[0], ahead[1]] still to set: a dirty page that went on past the end of the
    // previous window (iova_bitmap's set_ahead); ahead[0] > ahead[1] when there are none
    long[] ahead = {1, 0};
    while (Long.compareUnsigned(done, words) < 0) {
      long addr = data + done * 8;
      long cap = (WINDOW_BYTES - (addr & (Iova.PAGE_SIZE - 1)) + 7) / 8;
      long n = Long.compareUnsigned(words - done, cap) < 0 ? words - done : cap;
      MemorySegment bits = pin(memory, addr, n);
      if (bits == null) {
        if (done == 0) {
          throw new KernelError(Errno.ENOMEM, "the bitmap memory cannot be pinned");
        }
        return;
      }
      n = bits.byteSize() / 8;
      if (ahead[0] <= ahead[1]) {
        // the rest of the page the previous window ended inside; what does not fit waits again
        long to = Math.min(ahead[1], done * 64 + n * 64 - 1);
        setBits(bits, ahead[0] - done * 64, to - done * 64);
        ahead[0] = to + 1;
      }
      long wStart = iova + bitsToBytes(done * 64, shift);
      long span = bitsToBytes(n * 64, shift);
      long wLast = span == 0 || Iova.lt(last - wStart, span - 1) ? last : wStart + span - 1;
      if (!readAndClear(h, wStart, wLast, last, iova, shift, keep, bits, done * 64, ahead)) {
        return;
      }
      done += n;
    }
  }

  /**
   * Pins up to {@code words} u64 words of bitmap at {@code addr}: as many as the caller's writable
   * memory holds from there (pin_user_pages stops at the first page it cannot pin and reports what
   * it got), or null when not even one word can be had. The window then covers only the IOVA of the
   * words pinned.
   */
  private static MemorySegment pin(UserMemory memory, long addr, long words) {
    MemorySegment tail = memory.tail(addr);
    if (tail == null || tail.isReadOnly() || tail.byteSize() < 8) {
      return null;
    }
    long have = Math.min(words, tail.byteSize() / 8);
    return memory.resolveWritable(addr, have * 8);
  }

  /** Sets bits {@code [from, to]} of {@code bits} (little-endian u64 words). */
  private static void setBits(MemorySegment bits, long from, long to) {
    for (long b = from; b <= to; b++) {
      long at = (b >>> 6) * 8;
      bits.set(U64, at, bits.get(U64, at) | (1L << (b & 63)));
    }
  }

  /** {@code nbits << shift}, or 0 when that reaches past 2^64 (the rest of the range). */
  private static long bitsToBytes(long nbits, int shift) {
    return shift > Long.numberOfLeadingZeros(nbits) ? 0 : nbits << shift;
  }

  /**
   * One window: the dirty pages of the contiguous mappings from {@code start} up to {@code last}
   * into {@code bits} (whose bit 0 is bit {@code firstBit} of the caller's bitmap). False when the
   * walk ends early (tracking off, or a hole).
   */
  private static boolean readAndClear(
      Hwpt h,
      long start,
      long last,
      long rangeLast,
      long iova,
      int shift,
      boolean keep,
      MemorySegment bits,
      long firstBit,
      long[] ahead) {
    if (!h.tracking) {
      return false;
    }
    long cur = start;
    while (true) {
      Area a = h.ioas.table.areaAt(cur);
      if (a == null) {
        return false;
      }
      long end = Iova.lt(a.last(), last) ? a.last() : last;
      long pieceStart = cur;
      h.dirty.take(
          cur,
          end,
          keep,
          page -> {
            // the part of the page inside this window (a window may end inside a page)
            long lo = Iova.lt(page << 12, pieceStart) ? pieceStart : page << 12;
            long hi = Iova.lt(end, (page << 12) + Iova.PAGE_SIZE - 1) ? end : (page << 12) + 4095;
            long from = ((lo - iova) >>> shift) - firstBit;
            long to = ((hi - iova) >>> shift) - firstBit;
            setBits(bits, from, to);
            long pageLast = (page << 12) + 4095;
            if (hi == last && last != rangeLast && Iova.lt(last, pageLast)) {
              // the page goes on past this window: its remaining bits are set in the next one
              long aheadLast = Iova.lt(rangeLast, pageLast) ? rangeLast : pageLast;
              ahead[0] = ((last + 1 - iova) >>> shift);
              ahead[1] = ((aheadLast - iova) >>> shift);
            }
          });
      if (end == last) {
        return true;
      }
      cur = end + 1;
    }
  }
}
