package io.jvfio.devices.memdev;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Copies between device memory and a caller's segment while folding the device bytes into a CRC32C.
 * The copy goes in blocks small enough that each block is checksummed while it is still in the
 * cache (one pass over memory, not two), and {@link CRC32C} reads the device memory through
 * ByteBuffer views made once per GiB, so nothing is allocated per call.
 */
final class MemoryCrc {
  /** Bytes copied before they are checksummed: well inside a core's L2 cache. */
  static final long BLOCK = 64 << 10;

  // a ByteBuffer holds at most 2 GiB
  private static final long WINDOW = 1L << 30;

  private final MemorySegment memory;
  private final long window;
  private final ByteBuffer[] windows;

  MemoryCrc(MemorySegment memory) {
    this(memory, WINDOW);
  }

  /** With views of {@code window} bytes (tests cross window edges with small ones). */
  MemoryCrc(MemorySegment memory, long window) {
    this.memory = memory;
    this.window = window;
    this.windows = new ByteBuffer[(int) ((memory.byteSize() + window - 1) / window)];
  }

  /** Copies {@code n} bytes of device memory at {@code offset} to {@code dst} at {@code at}. */
  void copyOut(CRC32C crc, long offset, MemorySegment dst, long at, long n) {
    for (long k = 0; k < n; k += BLOCK) {
      long m = Math.min(BLOCK, n - k);
      MemorySegment.copy(memory, offset + k, dst, at + k, m);
      update(crc, offset + k, m);
    }
  }

  /** Copies {@code n} bytes of {@code src} at {@code at} into device memory at {@code offset}. */
  void copyIn(CRC32C crc, MemorySegment src, long at, long offset, long n) {
    for (long k = 0; k < n; k += BLOCK) {
      long m = Math.min(BLOCK, n - k);
      MemorySegment.copy(src, at + k, memory, offset + k, m);
      update(crc, offset + k, m);
    }
  }

  /** Folds {@code length} bytes of device memory at {@code offset} into {@code crc}. */
  void update(CRC32C crc, long offset, long length) {
    while (length > 0) {
      int w = (int) (offset / window);
      int pos = (int) (offset - w * window);
      int n = (int) Math.min(length, window - pos);
      ByteBuffer b = window(w);
      b.limit(pos + n);
      b.position(pos);
      crc.update(b);
      offset += n;
      length -= n;
    }
  }

  private ByteBuffer window(int w) {
    ByteBuffer b = windows[w];
    if (b == null) {
      long base = w * window;
      b = memory.asSlice(base, Math.min(window, memory.byteSize() - base)).asByteBuffer();
      windows[w] = b;
    }
    return b;
  }
}
