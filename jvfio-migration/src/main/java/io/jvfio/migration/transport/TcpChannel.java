package io.jvfio.migration.transport;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Channel} over a connected {@link SocketChannel} with {@code TCP_NODELAY}.
 *
 * <p>The socket is in non-blocking mode and each direction waits on its own {@link Selector}, so a
 * read and a write can each wait with their own limits at the same time and no call ever switches
 * the descriptor's mode (a timed read on a blocking socket would, twice per read). A wait that runs
 * into a limit throws {@link java.net.SocketTimeoutException} and leaves the channel open.
 *
 * <p><b>Writes</b> are staged in a direct buffer and go to the socket when it fills or on {@link
 * #flush()}, so the many small fields of a wire record do not each become a packet. A large write
 * from native memory goes to the socket straight from the caller's segment, in one gathering write
 * with whatever is staged: no copy in user space. {@link #close()} does not flush.
 *
 * <p><b>Reads</b> of small fields are served from a direct staging buffer refilled by one socket
 * read; a large read into native memory goes straight from the socket into the caller's segment.
 *
 * <p>One thread may write and another read at the same time; several writers (or readers) take
 * turns, each call whole. Nothing is allocated per small call.
 */
public final class TcpChannel implements Channel {
  /** Size of each staging buffer. */
  static final int STAGING_BYTES = 256 * 1024;

  /** Writes and reads of native memory at least this large bypass the staging buffers. */
  static final int DIRECT_BYTES = 32 * 1024;

  /** One socket call moves at most this much (a ByteBuffer view is limited to 2 GiB). */
  private static final long MAX_RUN = 1L << 30;

  private final SocketChannel socket;
  private final String description;
  private volatile boolean closed;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final Selector writeSelector;
  private final ByteBuffer out = ByteBuffer.allocateDirect(STAGING_BYTES);
  private final MemorySegment outSegment = MemorySegment.ofBuffer(out);
  private final ByteBuffer[] gather = new ByteBuffer[2];

  private final ReentrantLock readLock = new ReentrantLock();
  private final Selector readSelector;
  // Guarded by readLock: in's [position, limit) arrived but was not asked for yet.
  private final ByteBuffer in = ByteBuffer.allocateDirect(STAGING_BYTES).limit(0);
  private final MemorySegment inSegment = MemorySegment.ofBuffer(in.duplicate().clear());

  private volatile long readTimeout;
  private volatile long writeTimeout;
  private volatile long deadline;

  /**
   * Wraps a connected socket channel; the channel is put in non-blocking mode with {@code
   * TCP_NODELAY} and belongs to this object from now on.
   */
  TcpChannel(SocketChannel socket) throws IOException {
    this.socket = socket;
    Selector r = null;
    Selector w = null;
    try {
      socket.configureBlocking(false);
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      r = Selector.open();
      w = Selector.open();
      socket.register(r, SelectionKey.OP_READ);
      socket.register(w, SelectionKey.OP_WRITE);
      this.description =
          "tcp " + TcpTransport.format((InetSocketAddress) socket.getRemoteAddress());
    } catch (IOException | RuntimeException e) {
      closeQuietly(r);
      closeQuietly(w);
      closeQuietly(socket);
      throw e;
    }
    this.readSelector = r;
    this.writeSelector = w;
  }

  @Override
  public void write(MemorySegment src) throws IOException {
    long size = src.byteSize();
    writeLock.lock();
    try {
      ensureOpen();
      long start = System.nanoTime();
      if (size >= DIRECT_BYTES && src.isNative()) {
        for (long done = 0; done < size; ) {
          long run = Math.min(size - done, MAX_RUN);
          out.flip();
          gather[0] = out;
          gather[1] = src.asSlice(done, run).asByteBuffer();
          try {
            send(gather, done, size, start);
          } finally {
            out.clear();
            gather[1] = null;
          }
          done += run;
        }
        return;
      }
      long done = 0;
      while (done < size) {
        if (!out.hasRemaining()) {
          drain(done, size, start);
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
      drain(0, 0, System.nanoTime());
    } finally {
      writeLock.unlock();
    }
  }

  /** Sends the staged bytes; the caller holds writeLock. */
  private void drain(long done, long size, long start) throws IOException {
    if (out.position() == 0) {
      return;
    }
    out.flip();
    gather[0] = out;
    gather[1] = EMPTY;
    try {
      send(gather, done, size, start);
    } finally {
      out.clear();
      gather[1] = null;
    }
  }

  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

  /** Writes both buffers completely, waiting for room within the limits. */
  private void send(ByteBuffer[] bufs, long done, long size, long start) throws IOException {
    long progress = start;
    try {
      while (bufs[0].hasRemaining() || bufs[1].hasRemaining()) {
        long n = socket.write(bufs);
        if (n > 0) {
          progress = System.nanoTime();
          continue;
        }
        long now = System.nanoTime();
        long left = WaitLimit.remaining(now, progress, writeTimeout, 0, deadline);
        if (left <= 0) {
          throw WaitLimit.expired(
              description, "write", now, writeTimeout, 0, deadline, done, Math.max(size, done));
        }
        await(writeSelector, left);
      }
    } catch (ClosedSelectorException | ClosedChannelException e) {
      throw closedDuring(e);
    }
  }

  @Override
  public void readFully(MemorySegment dst) throws IOException {
    readFully(dst, 0);
  }

  @Override
  public void readFully(MemorySegment dst, long callDeadline) throws IOException {
    long size = dst.byteSize();
    readLock.lock();
    try {
      ensureOpen();
      long done = 0;
      long progress = System.nanoTime();
      while (done < size) {
        if (in.hasRemaining()) {
          int run = (int) Math.min(size - done, in.remaining());
          MemorySegment.copy(inSegment, in.position(), dst, done, run);
          in.position(in.position() + run);
          done += run;
          continue;
        }
        long left = size - done;
        ByteBuffer target;
        boolean direct = left >= DIRECT_BYTES && dst.isNative();
        if (direct) {
          target = dst.asSlice(done, Math.min(left, MAX_RUN)).asByteBuffer();
        } else {
          in.clear();
          target = in;
        }
        int n;
        try {
          n = receive(target, callDeadline, progress, done, size);
        } finally {
          if (!direct) {
            in.flip();
          }
        }
        progress = System.nanoTime();
        if (direct) {
          done += n;
        }
      }
    } finally {
      readLock.unlock();
    }
  }

  /** One socket read of at least one byte into {@code b}, waiting within the limits. */
  private int receive(ByteBuffer b, long callDeadline, long progress, long done, long size)
      throws IOException {
    try {
      while (true) {
        int n = socket.read(b);
        if (n > 0) {
          return n;
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
        long now = System.nanoTime();
        long left = WaitLimit.remaining(now, progress, readTimeout, callDeadline, deadline);
        if (left <= 0) {
          throw WaitLimit.expired(
              description, "read", now, readTimeout, callDeadline, deadline, done, size);
        }
        await(readSelector, left);
      }
    } catch (ClosedSelectorException | ClosedChannelException e) {
      throw closedDuring(e);
    }
  }

  /** Waits until the selector's one key is ready, {@code nanos} pass, or a wakeup. */
  private void await(Selector selector, long nanos) throws IOException {
    if (nanos == Long.MAX_VALUE) {
      selector.select();
    } else {
      // select(0) would wait forever: round up to at least one millisecond
      selector.select(Math.max(1, (nanos + 999_999) / 1_000_000));
    }
    selector.selectedKeys().clear();
    if (Thread.currentThread().isInterrupted()) {
      // select returns at once for an interrupted thread: give up instead of spinning
      throw new java.io.InterruptedIOException(describe() + ": interrupted while waiting");
    }
    if (closed) {
      throw new AsynchronousCloseException();
    }
  }

  private IOException closedDuring(Exception e) {
    IOException c = closed ? new AsynchronousCloseException() : new ClosedChannelException();
    c.initCause(e);
    return c;
  }

  @Override
  public void setReadTimeout(Duration timeout) {
    readTimeout = WaitLimit.nanos(timeout, "read timeout");
  }

  @Override
  public void setWriteTimeout(Duration timeout) {
    writeTimeout = WaitLimit.nanos(timeout, "write timeout");
  }

  @Override
  public void setDeadline(long deadlineNanos) {
    deadline = deadlineNanos;
    // waiters recompute their limits
    readSelector.wakeup();
    writeSelector.wakeup();
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
   * are dropped; a thread waiting in a read or write gets an {@link AsynchronousCloseException}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(socket);
    // closing a selector wakes a thread waiting in it
    closeQuietly(readSelector);
    closeQuietly(writeSelector);
  }

  @Override
  public void shutdownOutput() {
    try {
      socket.shutdownOutput();
    } catch (IOException e) {
      // already closed or reset: close() follows
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // Nothing to do: the descriptor is released either way.
    }
  }
}
