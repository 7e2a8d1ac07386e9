package io.jvfio.devices.memdev;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Constants and codecs of the memdev saving stream, version 1 (the layout is described in {@link
 * io.jvfio.devices.memdev the package documentation}).
 */
public final class StreamFormat {
  private StreamFormat() {}

  /** "JVMD" as a little-endian u32. */
  public static final int MAGIC = tag("JVMD");

  public static final int VERSION = 1;
  public static final int PAGE_SIZE = 4096;
  public static final int HEADER_SIZE = 32;
  public static final int RECORD_HEADER_SIZE = 24;
  public static final int TRAILER_SIZE = 4;

  /** Bytes a chunk adds to its data: record header and data checksum. */
  public static final int CHUNK_OVERHEAD = RECORD_HEADER_SIZE + TRAILER_SIZE;

  /** The end marker is a bare record header. */
  public static final int END_SIZE = RECORD_HEADER_SIZE;

  /** The largest chunk a saving session writes (1 MiB of data); resuming accepts any size. */
  public static final int MAX_CHUNK_PAGES = 256;

  public static final int TAG_CHUNK = tag("CHNK");
  public static final int TAG_END = tag("END!");

  static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** A four-character tag as the little-endian u32 whose bytes spell it. */
  static int tag(String s) {
    return (s.charAt(0) & 0xff)
        | (s.charAt(1) & 0xff) << 8
        | (s.charAt(2) & 0xff) << 16
        | (s.charAt(3) & 0xff) << 24;
  }

  /** Bytes of the initial part of a stream: header plus every page once. */
  public static long initialLength(long memorySize) {
    long pages = memorySize / PAGE_SIZE;
    long chunks = (pages + MAX_CHUNK_PAGES - 1) / MAX_CHUNK_PAGES;
    return HEADER_SIZE + chunks * CHUNK_OVERHEAD + memorySize;
  }

  /** Bytes of a STOP to STOP_COPY stream: the initial part and the end marker. */
  public static long fullStreamLength(long memorySize) {
    return initialLength(memorySize) + END_SIZE;
  }

  /** An upper bound of the bytes {@code pages} dirty pages take (one chunk each). */
  public static long dirtyEstimate(long pages) {
    return pages * (PAGE_SIZE + CHUNK_OVERHEAD);
  }

  /** CRC32C of {@code b[off..off+len)}, computed with (and resetting) {@code c}. */
  static int crc(CRC32C c, byte[] b, int off, int len) {
    c.reset();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** Writes the stream header into {@code b[0..32)}. */
  static void encodeHeader(byte[] b, long memorySize, CRC32C c) {
    MemorySegment s = MemorySegment.ofArray(b);
    s.set(U32, 0, MAGIC);
    s.set(U16, 4, (short) VERSION);
    s.set(U16, 6, (short) HEADER_SIZE);
    s.set(U32, 8, PAGE_SIZE);
    s.set(U32, 12, 0);
    s.set(U64, 16, memorySize);
    s.set(U32, 24, 0);
    s.set(U32, 28, crc(c, b, 0, 28));
  }

  /** Writes a record header into {@code b[0..24)}. */
  static void encodeRecord(byte[] b, int tag, int count, long value, CRC32C c) {
    MemorySegment s = MemorySegment.ofArray(b);
    s.set(U32, 0, tag);
    s.set(U32, 4, count);
    s.set(U64, 8, value);
    s.set(U32, 16, 0);
    s.set(U32, 20, crc(c, b, 0, 20));
  }
}
