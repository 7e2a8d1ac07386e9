package io.jvfio.migration.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A reliable, ordered, bidirectional byte channel between a migration source and destination (one
 * JVM or two hosts). Writes and reads block; a peer that goes away shows as an {@link
 * java.io.EOFException} or another IOException.
 *
 * <p>Every wait is bounded, by three limits that apply together:
 *
 * <ul>
 *   <li>the <b>read timeout</b> and <b>write timeout</b> bound each wait for the peer to send new
 *       bytes or take written ones (a slow but moving peer never hits them);
 *   <li>a <b>per-call deadline</b> ({@link #readFully(MemorySegment, long)}) bounds a whole read,
 *       so that a peer trickling a byte now and then cannot stretch one record forever;
 *   <li>the <b>channel deadline</b> ({@link #setDeadline}) ends every wait, read or write, once it
 *       passes: the overall deadline of a migration.
 * </ul>
 *
 * A wait that runs into a limit ends in a {@link java.net.SocketTimeoutException} naming it. A
 * timed-out transfer leaves the stream at an unknown position, so a transport may close the channel
 * when it happens; only {@link #close()} is certain to work afterwards.
 *
 * <p>One thread may read while another writes.
 */
public interface Channel extends AutoCloseable {
  /** Sends every byte of {@code src} (perhaps only into a staging buffer; see {@link #flush()}). */
  void write(MemorySegment src) throws IOException;

  /** Pushes buffered bytes to the peer. */
  void flush() throws IOException;

  /** Receives exactly {@code dst.byteSize()} bytes; EOFException when the peer closed first. */
  void readFully(MemorySegment dst) throws IOException;

  /**
   * Like {@link #readFully(MemorySegment)}, but the whole read must complete before {@code
   * deadlineNanos} (a {@link System#nanoTime()} value; 0 means no per-call deadline).
   */
  void readFully(MemorySegment dst, long deadlineNanos) throws IOException;

  /** Limits how long a read may wait for new bytes (zero: forever). */
  void setReadTimeout(Duration timeout);

  /** Limits how long a write or flush may wait for the peer to take bytes (zero: forever). */
  void setWriteTimeout(Duration timeout);

  /**
   * After {@code deadlineNanos} (a {@link System#nanoTime()} value; 0: none) every read, write and
   * flush fails with a {@link java.net.SocketTimeoutException}, and one that is waiting is woken.
   */
  void setDeadline(long deadlineNanos);

  /** A name for reports ("tcp 127.0.0.1:4444", "in-memory"). */
  String describe();

  /**
   * Closes both directions; the peer sees end of stream. Bytes written since the last {@link
   * #flush()} may be dropped. Never throws.
   */
  @Override
  void close();

  /**
   * Ends this end's writing (a FIN on TCP) while reading stays possible: a peer that still sends
   * can be drained before {@link #close()}, whose reset would otherwise discard the last words this
   * end sent. Does nothing where there is no such distinction.
   */
  default void shutdownOutput() {}
}
