package io.jvfio.migration.wire;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the jvfio migration stream, version 4; {@code docs/wire-format.md} describes every
 * byte. All integers are big-endian.
 */
public final class WireFormat {
  private WireFormat() {}

  /** The first 8 bytes of a session, ASCII {@code JVFIOMIG}. */
  public static final String MAGIC = "JVFIOMIG";

  static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);

  /** The version this code writes and the only one it reads. */
  public static final int VERSION = 4;

  /** Bytes of the receiver's session nonce, which the sender's header must echo. */
  public static final int NONCE_BYTES = 16;

  /** Record kind: a device section (u16 device index, u64 marker, maybe a payload). */
  public static final int KIND_SECTION = 0x01;

  /**
   * Record kind (version 4): guest RAM pages (u64 guest address, u32 page count, the pages, their
   * CRC32C).
   */
  public static final int KIND_RAM_PAGES = 0x02;

  /** Record kind (version 4): a run of all-zero guest RAM pages (u64 guest address, u32 count). */
  public static final int KIND_RAM_ZERO = 0x03;

  /** The page size of guest RAM records. */
  public static final int RAM_PAGE_BYTES = 4096;

  /** Most pages one RAM_PAGES record carries: one reader window. */
  public static final int MAX_RAM_PAGES = 256;

  /** Bytes of a RAM record before its pages: kind, address, count. */
  static final int RAM_RECORD_BYTES = 1 + 8 + 4;

  /** Back-channel kind: the destination loaded a device's initial data (switchover-ack). */
  public static final int KIND_SWITCHOVER_ACK = 0x10;

  /** Back-channel kind: the destination's verdict and per-device digests. */
  public static final int KIND_RESULT = 0x11;

  /** Kind of an abort, in either direction: u16 length and a UTF-8 reason. */
  public static final int KIND_ABORT = 0x12;

  /**
   * Record kind, only after the trailer: the source commits, so the destination may run the devices
   * (an ABORT in its place tells it not to).
   */
  public static final int KIND_COMMIT = 0x13;

  /** Back-channel kind, the receiver's first message: its wire version and the session nonce. */
  public static final int KIND_HELLO = 0x14;

  /** Back-channel kind: nothing to say yet, but alive (sent while the source waits). */
  public static final int KIND_KEEPALIVE = 0x15;

  /**
   * Record kind, only after the destination confirmed that the devices run: the downtime the source
   * measured and its limit, so both ends report the same numbers.
   */
  public static final int KIND_OUTCOME = 0x16;

  /**
   * Back-channel kind, the answer to the session header: the header's devices are the receiver's,
   * so the sender may start touching its own (an ABORT in its place says why not).
   */
  public static final int KIND_ACCEPT = 0x17;

  /** Record kind: the trailer that ends a stream. */
  public static final int KIND_TRAILER = 0x7f;

  /** Most devices a session header may list (readers refuse more). */
  public static final int MAX_DEVICES = 1024;

  /** Longest BDF, in bytes of printable ASCII ("0000:00:00.0" has 12). */
  public static final int MAX_BDF_BYTES = 64;

  /** Longest model name, in bytes of UTF-8. */
  public static final int MAX_MODEL_BYTES = 256;

  /** Longest string of the back channel and of an abort reason, in bytes of UTF-8. */
  public static final int MAX_STRING_BYTES = 0xffff;

  /**
   * Bytes of the session header before its device entries: magic, version, nonce, count (the guest
   * RAM size, u64, follows the entries).
   */
  static final int HEADER_FIXED_BYTES = 8 + 4 + NONCE_BYTES + 4;

  /** The most payload bytes a reader holds at once, whatever size a record claims. */
  public static final int WINDOW_BYTES = 1 << 20;

  /**
   * Payload bytes handled as one piece on the data path: a writer sends and checksums a chunk this
   * much at a time, a reader hands DATA payloads on in pieces of at most this. Small enough that a
   * piece is still in the core's L2 cache (512 KiB here) when it is checksummed and copied after
   * the socket copy touched it; a 1 MiB piece was read back from L3 or memory each time.
   */
  public static final int PIECE_BYTES = 256 << 10;

  /** Bytes of a section record without payload: kind, device, marker. */
  static final int SECTION_BYTES = 1 + 2 + 8;

  /** Bytes of the trailer: kind, record count, payload byte count, CRC32C. */
  static final int TRAILER_BYTES = 1 + 8 + 8 + 4;
}
