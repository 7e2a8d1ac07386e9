package io.jvfio.migration.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A reliable, ordered, bidirectional byte channel between a migration source and destination (one
 * JVM or two hosts). Writes and reads block; a peer that goes away shows as an {@link
 * java.io.EOFException} or another IOException, a read that waits longer than the read timeout as a
 * {@link java.net.SocketTimeoutException}.
 *
 * <p>One thread may read while another writes.
 */
public interface Channel extends AutoCloseable {
  /** Sends every byte of {@code src}. */
  void write(MemorySegment src) throws IOException;

  /** Pushes buffered bytes to the peer. */
  void flush() throws IOException;

  /** Receives exactly {@code dst.byteSize()} bytes; EOFException when the peer closed first. */
  void readFully(MemorySegment dst) throws IOException;

  /** Limits how long a read may wait for new bytes (zero: forever). */
  void setReadTimeout(Duration timeout);

  /** A name for reports ("tcp 127.0.0.1:4444", "in-memory"). */
  String describe();

  /**
   * Closes both directions; the peer sees end of stream. Bytes written since the last {@link
   * #flush()} may be dropped. Never throws.
   */
  @Override
  void close();
}
