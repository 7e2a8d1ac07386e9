package io.jvfio.migration.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Channel} over a connected, blocking-mode {@link SocketChannel} with {@code TCP_NODELAY}.
 *
 * <p><b>Writes</b> are staged in a direct buffer and go to the socket when it fills or on {@link
 * #flush()}, so the many small fields of a wire record do not each become a packet. {@link
 * #close()} does not flush: bytes written after the last flush are dropped.
 *
 * <p><b>Reads</b> go through the socket adaptor's input stream ({@code socket().getInputStream()}),
 * which is the one read path of a blocking {@link SocketChannel} that honours {@code SO_TIMEOUT}:
 * for a timed read the JDK switches the descriptor to non-blocking, polls with the time left, and
 * switches back, while a concurrent blocking write simply parks on {@code POLLOUT} when it meets
 * {@code EAGAIN}. (A {@code Selector} would need the channel in non-blocking mode for writes too.)
 * The stream reads into a heap staging array; what arrives beyond the current request is kept for
 * the next one. The timeout bounds each wait for new bytes, so a slow but moving peer never times
 * out; it ends in {@link java.net.SocketTimeoutException}.
 *
 * <p>One thread may write and another read at the same time; several writers (or readers) take
 * turns, each call whole. Nothing is allocated per call.
 */
public final class TcpChannel implements Channel {
  /** Size of each staging buffer. */
  static final int STAGING_BYTES = 256 * 1024;

  private final SocketChannel socket;
  private final InputStream in;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final ReentrantLock writeLock = new ReentrantLock();
  private final ByteBuffer out = ByteBuffer.allocateDirect(STAGING_BYTES);
  private final MemorySegment outSegment = MemorySegment.ofBuffer(out);

  private final ReentrantLock readLock = new ReentrantLock();
  private final byte[] inBytes = new byte[STAGING_BYTES];
  private final MemorySegment inSegment = MemorySegment.ofArray(inBytes);
  // Guarded by readLock: inBytes[inStart, inEnd) arrived but was not asked for yet.
  private int inStart;
  private int inEnd;

  /**
   * Wraps a connected socket channel; the channel is put in blocking mode with {@code TCP_NODELAY}
   * and belongs to this object from now on.
   */
  TcpChannel(SocketChannel socket) throws IOException {
    this.socket = socket;
    try {
      socket.configureBlocking(true);
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      this.in = socket.socket().getInputStream();
      this.description =
          "tcp " + TcpTransport.format((InetSocketAddress) socket.getRemoteAddress());
    } catch (IOException | RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  @Override
  public void write(MemorySegment src) throws IOException {
    long size = src.byteSize();
    long done = 0;
    writeLock.lock();
    try {
      ensureOpen();
      while (done < size) {
        if (!out.hasRemaining()) {
          drain();
        }
        int run = (int) Math.min(size - done, out.remaining());
        MemorySegment.copy(src, done, outSegment, out.position(), run);
        out.position(out.position() + run);
        done += run;
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void flush() throws IOException {
    writeLock.lock();
    try {
      ensureOpen();
      drain();
    } finally {
      writeLock.unlock();
    }
  }

  /** Sends the staged bytes; the caller holds writeLock. */
  private void drain() throws IOException {
    out.flip();
    try {
      while (out.hasRemaining()) {
        socket.write(out);
      }
    } finally {
      out.clear();
    }
  }

  @Override
  public void readFully(MemorySegment dst) throws IOException {
    long size = dst.byteSize();
    long done = 0;
    readLock.lock();
    try {
      ensureOpen();
      while (done < size) {
        if (inStart == inEnd) {
          int n;
          try {
            n = in.read(inBytes, 0, inBytes.length);
          } catch (SocketTimeoutException e) {
            SocketTimeoutException t =
                new SocketTimeoutException(
                    description
                        + ": read timed out after "
                        + socket.socket().getSoTimeout()
                        + " ms with "
                        + done
                        + " of "
                        + size
                        + " bytes read");
            t.initCause(e);
            throw t;
          } catch (SocketException e) {
            if (closed.get()) {
              ClosedChannelException c = new ClosedChannelException();
              c.initCause(e);
              throw c;
            }
            throw e;
          }
          if (n < 0) {
            throw new EOFException(
                description
                    + ": peer closed the connection after "
                    + done
                    + " of "
                    + size
                    + " bytes");
          }
          inStart = 0;
          inEnd = n;
        }
        int run = (int) Math.min(size - done, inEnd - inStart);
        MemorySegment.copy(inSegment, inStart, dst, done, run);
        inStart += run;
        done += run;
      }
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public void setReadTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("read timeout must not be negative: " + timeout);
    }
    int millis;
    if (timeout.isZero()) {
      millis = 0;
    } else {
      // Round up, so that a sub-millisecond timeout does not become "forever".
      long m = timeout.plusNanos(999_999).toMillis();
      millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, m));
    }
    try {
      socket.socket().setSoTimeout(millis);
    } catch (SocketException e) {
      // Closed: every later read fails anyway.
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /** The peer's address. */
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) socket.socket().getRemoteSocketAddress();
  }

  /** This end's address. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.socket().getLocalSocketAddress();
  }

  /**
   * Closes the socket: the peer reads end of stream after the bytes already sent. Unflushed bytes
   * are dropped; a thread blocked in a read or write gets an {@link
   * java.nio.channels.AsynchronousCloseException}.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(socket);
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed.get()) {
      throw new ClosedChannelException();
    }
  }

  private static void closeQuietly(SocketChannel s) {
    try {
      s.close();
    } catch (IOException e) {
      // Nothing to do: the descriptor is released either way.
    }
  }
}
