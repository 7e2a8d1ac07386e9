package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/** CRC32C of memory segments of any kind. */
final class Checksums {
  private Checksums() {}

  /** Largest run handed to one {@code CRC32C.update(ByteBuffer)} call. */
  private static final long RUN = 1L << 30;

  /**
   * CRC32C of the bytes of {@code segment}, using {@code crc} (reset first). Native segments and
   * writable segments over a byte[] are viewed as a ByteBuffer (one small view object per GiB);
   * anything else (read-only, or over a long[] and the like) is copied through a small array.
   */
  static int crc32c(CRC32C crc, MemorySegment segment) {
    crc.reset();
    long size = segment.byteSize();
    if (size == 0) {
      return (int) crc.getValue();
    }
    if (viewable(segment)) {
      if (size <= RUN) {
        crc.update(segment.asByteBuffer());
      } else {
        for (long at = 0; at < size; at += RUN) {
          crc.update(segment.asSlice(at, Math.min(RUN, size - at)).asByteBuffer());
        }
      }
    } else {
      byte[] copy = new byte[(int) Math.min(size, 64 * 1024)];
      MemorySegment copySegment = MemorySegment.ofArray(copy);
      for (long at = 0; at < size; ) {
        int run = (int) Math.min(copy.length, size - at);
        MemorySegment.copy(segment, at, copySegment, 0, run);
        crc.update(copy, 0, run);
        at += run;
      }
    }
    return (int) crc.getValue();
  }

  /**
   * Writes {@code segment} to {@code channel} and returns its CRC32C (with {@code crc}, reset
   * first), a piece of {@link WireFormat#PIECE_BYTES} at a time: each piece is checksummed right
   * after the socket copied it, while it is still in the core's cache. Checksumming a whole 1 MiB
   * chunk after sending it read it back from L3 or memory.
   */
  static int sendWithCrc32c(Channel channel, CRC32C crc, MemorySegment segment) throws IOException {
    crc.reset();
    long size = segment.byteSize();
    if (!viewable(segment) || size <= WireFormat.PIECE_BYTES) {
      channel.write(segment);
      return crc32c(crc, segment);
    }
    for (long at = 0; at < size; at += WireFormat.PIECE_BYTES) {
      MemorySegment piece = segment.asSlice(at, Math.min(WireFormat.PIECE_BYTES, size - at));
      channel.write(piece);
      crc.update(piece.asByteBuffer());
    }
    return (int) crc.getValue();
  }

  private static boolean viewable(MemorySegment segment) {
    if (segment.isNative()) {
      return true;
    }
    return !segment.isReadOnly() && segment.heapBase().orElse(null) instanceof byte[];
  }
}
