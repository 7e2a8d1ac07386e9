package io.jvfio.devices.memdev;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.BitSet;
import java.util.Locale;

/**
 * Device memory that costs nothing until it is written. The whole size is reserved as one private
 * anonymous mapping without swap reservation ({@code MAP_NORESERVE}), so construction is one system
 * call whatever the size, and the device's copy paths keep one flat segment. Memory is
 * <em>committed</em> in {@link #CHUNK}-sized chunks: a writer calls {@link #commit} first, which
 * charges the {@link MemoryBudget}; the kernel supplies zeroed pages on first touch, so nothing is
 * zero-filled in user space and a chunk written in part reads zeros around the write. A chunk never
 * committed is zero by definition: readers skip it (the saving stream sends it as a ZERO record,
 * the digest uses a precomputed hash) instead of touching the mapping. {@link #release} zeroes a
 * range and gives whole chunks back to the kernel ({@code MADV_DONTNEED}) and to the budget.
 *
 * <p>Chunks are 2 MiB: two saving-stream chunks ({@link StreamFormat#MAX_CHUNK_PAGES} pages), so an
 * initial-pass record never straddles a committed and an uncommitted chunk; the x86-64 and arm64
 * huge page size, so with transparent huge pages on ({@code always}) a chunk is one huge page, and
 * given back whole; a 1 TiB device has 512 Ki of them (a 64 KiB bitmap); and large enough that the
 * per-chunk work (a bitmap test, a hash) vanishes next to the 2 MiB it stands for. The mapping does
 * not ask for huge pages itself: each would cost a 2 MiB zeroing at the first write of a chunk,
 * however small. A chunk shorter than 2 MiB (the last, of a size that is no multiple) is zeroed in
 * place rather than given back, so resetting a small device stays a small memset.
 *
 * <p>Off Linux (or on an architecture whose mmap constants are not known here) the memory is one
 * zeroed {@link Arena} allocation charged to the budget in full at construction, with the same
 * commit bookkeeping. Callers hold the device lock.
 */
final class LazyMemory implements AutoCloseable {
  static final long CHUNK = 2L << 20;
  static final int CHUNK_PAGES = (int) (CHUNK / StreamFormat.PAGE_SIZE);

  static {
    if (CHUNK_PAGES % StreamFormat.MAX_CHUNK_PAGES != 0) {
      throw new AssertionError("a stream chunk must not straddle two memory chunks");
    }
  }

  private final long size;
  private final long chunks;
  private final MemoryBudget budget;
  private final BitSet committed;
  private long committedCount;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment segment;
  private final long mapBase;
  private final long mapSize;
  private final long eagerCharge;
  private boolean closed;

  LazyMemory(long size, MemoryBudget budget) {
    this.size = size;
    this.chunks = (size + CHUNK - 1) / CHUNK;
    this.budget = budget;
    this.committed = new BitSet((int) chunks);
    if (Native.AVAILABLE) {
      // one spare chunk so the memory can start on a huge page boundary
      mapSize = chunks * CHUNK + CHUNK;
      mapBase = Native.mmap(mapSize);
      long base = (mapBase + CHUNK - 1) & -CHUNK;
      segment = MemorySegment.ofAddress(base).reinterpret(size, arena, null);
      eagerCharge = 0;
    } else {
      mapBase = 0;
      mapSize = 0;
      if (!budget.tryReserve(size)) {
        arena.close();
        throw new OutOfDeviceMemory(
            "memdev: " + mib(size) + " MiB of memory exceed the budget (" + budget + ")");
      }
      eagerCharge = size;
      segment = arena.allocate(size, StreamFormat.PAGE_SIZE);
    }
  }

  /** The whole memory (uncommitted parts read as zeros, but readers should skip them). */
  MemorySegment segment() {
    return segment;
  }

  long size() {
    return size;
  }

  long chunkCount() {
    return chunks;
  }

  long committedChunks() {
    return committedCount;
  }

  boolean isCommitted(long chunk) {
    return committed.get((int) chunk);
  }

  /** The first committed chunk at or after {@code chunk}, or {@link #chunkCount()}. */
  long nextCommitted(long chunk) {
    int c = committed.nextSetBit((int) Math.min(chunk, chunks));
    return c < 0 ? chunks : c;
  }

  /** The first uncommitted chunk at or after {@code chunk}, or {@link #chunkCount()}. */
  long nextUncommitted(long chunk) {
    return Math.min(chunks, committed.nextClearBit((int) Math.min(chunk, chunks)));
  }

  /**
   * Commits every chunk of {@code [offset, offset+length)} before a write there, or throws {@link
   * OutOfDeviceMemory} having committed nothing when the budget has no room for the new chunks.
   */
  void commit(long offset, long length) {
    if (length <= 0) {
      return;
    }
    long first = offset / CHUNK;
    long last = (offset + length - 1) / CHUNK;
    if (first == last && committed.get((int) first)) {
      return;
    }
    long fresh = 0;
    for (long c = nextUncommitted(first); c <= last; c = nextUncommitted(c + 1)) {
      fresh++;
    }
    if (fresh == 0) {
      return;
    }
    if (eagerCharge == 0 && !budget.tryReserve(fresh * CHUNK)) {
      throw new OutOfDeviceMemory(
          String.format(
              Locale.ROOT,
              "memdev: writing %d bytes at 0x%x needs %d MiB more backing memory than the budget"
                  + " allows (%s; system property %s)",
              length,
              offset,
              mib(fresh * CHUNK),
              budget,
              MemoryBudget.PROPERTY));
    }
    committed.set((int) first, (int) last + 1);
    committedCount += fresh;
  }

  /** Zeroes {@code [offset, offset+length)}; whole chunks go back to the kernel and the budget. */
  void release(long offset, long length) {
    if (length <= 0) {
      return;
    }
    long end = offset + length;
    long last = (end - 1) / CHUNK;
    long runStart = -1;
    long runEnd = -1;
    for (long c = nextCommitted(offset / CHUNK); c <= last; c = nextCommitted(c + 1)) {
      long cs = c * CHUNK;
      long ce = Math.min(size, cs + CHUNK);
      if (offset <= cs && end >= ce && ce - cs == CHUNK) {
        if (c != runEnd) {
          discard(runStart, runEnd);
          runStart = c;
        }
        runEnd = c + 1;
      } else {
        long lo = Math.max(offset, cs);
        segment.asSlice(lo, Math.min(end, ce) - lo).fill((byte) 0);
      }
    }
    discard(runStart, runEnd);
  }

  /** Everything back to zero and uncommitted (a power-on). */
  void releaseAll() {
    release(0, size);
  }

  /** Uncommits the committed chunks {@code [from, to)}; nothing when {@code from} is negative. */
  private void discard(long from, long to) {
    if (from < 0) {
      return;
    }
    long n = to - from;
    if (eagerCharge == 0) {
      Native.madvise(segment.address() + from * CHUNK, n * CHUNK, Native.MADV_DONTNEED);
      budget.release(n * CHUNK);
    } else {
      segment.asSlice(from * CHUNK, Math.min(size, to * CHUNK) - from * CHUNK).fill((byte) 0);
    }
    committed.clear((int) from, (int) to);
    committedCount -= n;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    arena.close();
    if (eagerCharge == 0) {
      Native.munmap(mapBase, mapSize);
      budget.release(committedCount * CHUNK);
    } else {
      budget.release(eagerCharge);
    }
    committedCount = 0;
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }

  /** mmap, madvise and munmap of the C library, with Linux's constants (x86-64 and arm64). */
  private static final class Native {
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4;

    static final boolean AVAILABLE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle MUNMAP;

    static {
      String os = System.getProperty("os.name", "");
      String arch = System.getProperty("os.arch", "");
      boolean ok = os.equals("Linux") && (arch.equals("amd64") || arch.equals("aarch64"));
      MethodHandle mmap = null;
      MethodHandle madvise = null;
      MethodHandle munmap = null;
      if (ok) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        mmap =
            linker.downcallHandle(
                libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(
                    ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        madvise =
            linker.downcallHandle(
                libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        munmap =
            linker.downcallHandle(
                libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
      }
      AVAILABLE = ok;
      MMAP = mmap;
      MADVISE = madvise;
      MUNMAP = munmap;
    }

    static long mmap(long length) {
      long a;
      try {
        a =
            ((MemorySegment)
                    MMAP.invokeExact(
                        MemorySegment.NULL,
                        length,
                        PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                        -1,
                        0L))
                .address();
      } catch (Throwable t) {
        throw new IllegalStateException("mmap", t);
      }
      if (a == -1L) {
        // only strict overcommit (vm.overcommit_memory=2) or an address-space limit gets here
        throw new OutOfDeviceMemory(
            "memdev: cannot reserve " + mib(length) + " MiB of address space (mmap failed)");
      }
      return a;
    }

    /** A failure is a bug: DONTNEED on our own mapping cannot fail. */
    static void madvise(long address, long length, int advice) {
      int r;
      try {
        r = (int) MADVISE.invokeExact(MemorySegment.ofAddress(address), length, advice);
      } catch (Throwable t) {
        throw new IllegalStateException("madvise", t);
      }
      if (r != 0) {
        throw new IllegalStateException("madvise(" + advice + ") failed on memdev memory");
      }
    }

    static void munmap(long address, long length) {
      int r;
      try {
        r = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
      } catch (Throwable t) {
        throw new IllegalStateException("munmap", t);
      }
      if (r != 0) {
        throw new IllegalStateException("munmap failed on memdev memory");
      }
    }
  }
}
