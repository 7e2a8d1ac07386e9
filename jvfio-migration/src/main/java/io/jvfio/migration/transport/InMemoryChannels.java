package io.jvfio.migration.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Two {@link Channel} ends joined inside one JVM, for tests and for a source and destination in one
 * process.
 *
 * <p>Each direction is a bounded ring of {@code bufferBytes}: a write blocks while the ring is
 * full, a read while it is empty. Closing an end lets the peer read what is still buffered and then
 * see {@link EOFException}; a peer still writing gets an IOException ("peer closed"), as a socket's
 * broken pipe. Waits honour the limits of {@link Channel} (read and write timeouts, per-call and
 * channel deadlines) and end in a {@link java.net.SocketTimeoutException}.
 *
 * <p>One thread may write and another read at the same time; several writers (or readers) take
 * turns, each call whole. Bytes are copied with {@link MemorySegment#copy} outside the ring's lock,
 * so a writer and a reader copy in parallel, and nothing is allocated per call.
 */
public final class InMemoryChannels {
  private InMemoryChannels() {}

  /** Two connected ends; what one writes the other reads. */
  public record Pair(Channel a, Channel b) implements AutoCloseable {
    @Override
    public void close() {
      a.close();
      b.close();
    }
  }

  /**
   * Creates two connected ends, each direction buffering up to {@code bufferBytes}.
   *
   * @throws IllegalArgumentException when {@code bufferBytes} is not positive
   */
  public static Pair pair(int bufferBytes) {
    if (bufferBytes <= 0) {
      throw new IllegalArgumentException(
          "in-memory channel buffer must be at least 1 byte, got " + bufferBytes);
    }
    Ring aToB = new Ring(bufferBytes);
    Ring bToA = new Ring(bufferBytes);
    return new Pair(new End("in-memory a", bToA, aToB), new End("in-memory b", aToB, bToA));
  }

  /** One direction: a single-producer, single-consumer ring with blocking ends. */
  private static final class Ring {
    private final MemorySegment bytes;
    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();

    /** Serialises writers, so that each write call lands whole. */
    private final ReentrantLock writers = new ReentrantLock();

    /** Serialises readers, so that each readFully call reads a contiguous run. */
    private final ReentrantLock readers = new ReentrantLock();

    // Guarded by lock. head and tail count bytes ever read and written; tail - head is the fill.
    private long head;
    private long tail;
    private boolean writerClosed;
    private boolean readerClosed;

    Ring(int capacity) {
      this.bytes = MemorySegment.ofArray(new byte[capacity]);
      this.capacity = capacity;
    }

    void write(MemorySegment src, String name, End limits) throws IOException {
      long size = src.byteSize();
      long done = 0;
      long progress = System.nanoTime();
      writers.lock();
      try {
        while (done < size) {
          long at;
          long run;
          lock.lock();
          try {
            long free;
            while (true) {
              if (writerClosed) {
                throw done == 0 ? new ClosedChannelException() : new AsynchronousCloseException();
              }
              if (readerClosed) {
                throw new IOException(
                    name + ": peer closed its end; " + (size - done) + " bytes not delivered");
              }
              free = capacity - (tail - head);
              if (free > 0) {
                break;
              }
              long now = System.nanoTime();
              long left =
                  WaitLimit.remaining(now, progress, limits.writeTimeout, 0, limits.deadline);
              if (left <= 0) {
                throw WaitLimit.expired(
                    name, "write", now, limits.writeTimeout, 0, limits.deadline, done, size);
              }
              awaitNanosAsIo(notFull, left);
            }
            at = tail % capacity;
            run = Math.min(Math.min(size - done, free), capacity - at);
          } finally {
            lock.unlock();
          }
          // [tail, tail + run) is free space that the reader does not touch until tail moves.
          MemorySegment.copy(src, done, bytes, at, run);
          done += run;
          progress = System.nanoTime();
          lock.lock();
          try {
            tail += run;
            notEmpty.signalAll();
          } finally {
            lock.unlock();
          }
        }
      } finally {
        writers.unlock();
      }
    }

    void readFully(MemorySegment dst, long callDeadline, String name, End limits)
        throws IOException {
      long size = dst.byteSize();
      long done = 0;
      long progress = System.nanoTime();
      readers.lock();
      try {
        while (done < size) {
          long at;
          long run;
          lock.lock();
          try {
            long fill;
            while (true) {
              if (readerClosed) {
                throw done == 0 ? new ClosedChannelException() : new AsynchronousCloseException();
              }
              fill = tail - head;
              if (fill > 0) {
                break;
              }
              if (writerClosed) {
                throw new EOFException(
                    name + ": peer closed the channel after " + done + " of " + size + " bytes");
              }
              long now = System.nanoTime();
              long left =
                  WaitLimit.remaining(
                      now, progress, limits.readTimeout, callDeadline, limits.deadline);
              if (left <= 0) {
                throw WaitLimit.expired(
                    name,
                    "read",
                    now,
                    limits.readTimeout,
                    callDeadline,
                    limits.deadline,
                    done,
                    size);
              }
              awaitNanosAsIo(notEmpty, left);
            }
            at = head % capacity;
            run = Math.min(Math.min(size - done, fill), capacity - at);
          } finally {
            lock.unlock();
          }
          // [head, head + run) is filled and the writer does not touch it until head moves.
          MemorySegment.copy(bytes, at, dst, done, run);
          done += run;
          progress = System.nanoTime();
          lock.lock();
          try {
            head += run;
            notFull.signalAll();
          } finally {
            lock.unlock();
          }
        }
      } finally {
        readers.unlock();
      }
    }

    void closeWriter() {
      lock.lock();
      try {
        writerClosed = true;
        notEmpty.signalAll();
        notFull.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void closeReader() {
      lock.lock();
      try {
        readerClosed = true;
        notEmpty.signalAll();
        notFull.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Wakes every waiter so it re-reads its limits. */
    void wake() {
      lock.lock();
      try {
        notEmpty.signalAll();
        notFull.signalAll();
      } finally {
        lock.unlock();
      }
    }

    boolean writerClosed() {
      lock.lock();
      try {
        return writerClosed;
      } finally {
        lock.unlock();
      }
    }

    private static void awaitNanosAsIo(Condition c, long nanos) throws InterruptedIOException {
      try {
        if (nanos == Long.MAX_VALUE) {
          c.await();
        } else {
          c.awaitNanos(nanos);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted(e);
      }
    }

    private static InterruptedIOException interrupted(InterruptedException e) {
      InterruptedIOException io = new InterruptedIOException("in-memory channel wait interrupted");
      io.initCause(e);
      return io;
    }
  }

  private static final class End implements Channel {
    private final String name;
    private final Ring in;
    private final Ring out;
    private volatile long readTimeout;
    private volatile long writeTimeout;
    private volatile long deadline;

    End(String name, Ring in, Ring out) {
      this.name = name;
      this.in = in;
      this.out = out;
    }

    @Override
    public void write(MemorySegment src) throws IOException {
      out.write(src, name, this);
    }

    @Override
    public void flush() throws IOException {
      // Nothing is buffered on this side of the ring.
      if (out.writerClosed()) {
        throw new ClosedChannelException();
      }
    }

    @Override
    public void readFully(MemorySegment dst) throws IOException {
      in.readFully(dst, 0, name, this);
    }

    @Override
    public void readFully(MemorySegment dst, long deadlineNanos) throws IOException {
      in.readFully(dst, deadlineNanos, name, this);
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
      in.wake();
      out.wake();
    }

    @Override
    public String describe() {
      return name;
    }

    @Override
    public void close() {
      out.closeWriter();
      in.closeReader();
    }

    @Override
    public String toString() {
      return describe();
    }
  }
}
