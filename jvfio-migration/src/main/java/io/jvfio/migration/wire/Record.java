package io.jvfio.migration.wire;

import java.lang.foreign.MemorySegment;

/**
 * One record of the forward stream, as {@link WireReader#next()} returns it.
 *
 * <p>(This type shadows {@code java.lang.Record} where it is imported; refer to it as {@code
 * Record.Data} and so on.)
 */
public sealed interface Record {
  /** A section marker without payload: SETUP_STATE, END_OF_STATE or INIT_DATA_SENT. */
  record Section(int device, Marker marker) implements Record {}

  /**
   * A DATA_STATE chunk, or a piece of one larger than the reader's window. {@code payload} is a
   * view of the reader's buffer, valid until the next call to the reader. {@code complete} is set
   * on the last piece, once the record's CRC32C matched; earlier pieces are not verified yet (and
   * nothing is before the trailer, see {@link WireReader}).
   */
  record Data(int device, MemorySegment payload, boolean complete) implements Record {}

  /**
   * A CONFIG_STATE payload (at most one window) whose CRC32C matched; a view valid until the next
   * call.
   */
  record Config(int device, MemorySegment payload) implements Record {}

  /**
   * Guest RAM pages at guest address {@code address} whose CRC32C matched: {@code payload} (a whole
   * number of {@link WireFormat#RAM_PAGE_BYTES} pages) is a view valid until the next call.
   */
  record RamPages(long address, MemorySegment payload) implements Record {}

  /** {@code pages} all-zero guest RAM pages from guest address {@code address}. */
  record RamZero(long address, long pages) implements Record {}

  /**
   * The end of the stream; its counts and the stream CRC matched what was read. Only now is
   * everything before it known to be intact.
   */
  record Trailer(long records, long bytes) implements Record {}

  /** The source gave up; the stream ends here without a trailer. */
  record Abort(String reason) implements Record {}
}
