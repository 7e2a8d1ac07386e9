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

  /** Header flag: chunks carry no data checksum (a chunk is its record header and its data). */
  public static final int FLAG_NO_DATA_CRC = 1;

  /** Every header flag this version knows; a stream with any other bit set is refused. */
  public static final int KNOWN_FLAGS = FLAG_NO_DATA_CRC;

  /** The end marker is a bare record header. */
  public static final int END_SIZE = RECORD_HEADER_SIZE;

  /** The largest chunk a saving session writes (1 MiB of data); resuming accepts any size. */
  public static final int MAX_CHUNK_PAGES = 256;

  public static final int TAG_CHUNK = tag("CHNK");
  public static final int TAG_END = tag("END!");

  /** A run of pages that are all zero: the record header alone, no data. */
  public static final int TAG_ZERO = tag("ZERO");

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

  /** The header flags of a stream whose chunks do or do not carry a data checksum. */
  public static int flags(boolean dataCrc) {
    return dataCrc ? 0 : FLAG_NO_DATA_CRC;
  }

  /** Bytes a chunk adds to its data: the record header, and the data checksum if there is one. */
  public static int chunkOverhead(boolean dataCrc) {
    return RECORD_HEADER_SIZE + (dataCrc ? TRAILER_SIZE : 0);
  }

  /**
   * Bytes of the initial part of a stream when every page was written: header plus every page once.
   * Memory never written goes as ZERO records, so a device's real stream can be shorter.
   */
  public static long initialLength(long memorySize, boolean dataCrc) {
    long pages = memorySize / PAGE_SIZE;
    long chunks = (pages + MAX_CHUNK_PAGES - 1) / MAX_CHUNK_PAGES;
    return HEADER_SIZE + chunks * chunkOverhead(dataCrc) + memorySize;
  }

  /** Bytes of a STOP to STOP_COPY stream of fully written memory: initial part and end marker. */
  public static long fullStreamLength(long memorySize, boolean dataCrc) {
    return initialLength(memorySize, dataCrc) + END_SIZE;
  }

  /** An upper bound of the bytes {@code pages} dirty pages take (one chunk each). */
  public static long dirtyEstimate(long pages, boolean dataCrc) {
    return pages * (PAGE_SIZE + chunkOverhead(dataCrc));
  }

  /** CRC32C of {@code b[off..off+len)}, computed with (and resetting) {@code c}. */
  static int crc(CRC32C c, byte[] b, int off, int len) {
    c.reset();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** Writes the stream header with {@code flags} into {@code b[0..32)}. */
  static void encodeHeader(byte[] b, long memorySize, int flags, CRC32C c) {
    MemorySegment s = MemorySegment.ofArray(b);
    s.set(U32, 0, MAGIC);
    s.set(U16, 4, (short) VERSION);
    s.set(U16, 6, (short) HEADER_SIZE);
    s.set(U32, 8, PAGE_SIZE);
    s.set(U32, 12, flags);
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
