package io.jvfio.migration.engine;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * A channel end that damages what it writes: a byte flipped at an offset of its outgoing stream, or
 * the connection cut after a number of bytes (the peer reads what came before and then the end of
 * the stream; the writer gets an IOException). A hook sees every write before it goes out.
 */
final class FaultChannel implements Channel {
  /** Called before each write with the offset of its first byte. */
  interface Hook {
    void beforeWrite(long offset, MemorySegment src) throws IOException;
  }

  private final Channel inner;
  private long flipAt = -1;
  private long cutAt = -1;
  private Hook hook = (offset, src) -> {};
  private Predicate<MemorySegment> flipWhen;
  private int flipIndex;
  private Predicate<MemorySegment> cutWhen;
  private long written;
  private boolean cut;

  FaultChannel(Channel inner) {
    this.inner = inner;
  }

  FaultChannel flipAt(long offset) {
    this.flipAt = offset;
    return this;
  }

  FaultChannel cutAt(long offset) {
    this.cutAt = offset;
    return this;
  }

  /** Flips byte {@code index} of the first write {@code which} accepts. */
  FaultChannel flipInWrite(Predicate<MemorySegment> which, int index) {
    this.flipWhen = which;
    this.flipIndex = index;
    return this;
  }

  /** Cuts the connection just before the first write {@code which} accepts. */
  FaultChannel cutBeforeWrite(Predicate<MemorySegment> which) {
    this.cutWhen = which;
    return this;
  }

  FaultChannel hook(Hook h) {
    this.hook = h;
    return this;
  }

  /** Bytes written so far. */
  synchronized long written() {
    return written;
  }

  @Override
  public synchronized void write(MemorySegment src) throws IOException {
    if (cut) {
      throw new IOException("connection cut by the test");
    }
    hook.beforeWrite(written, src);
    long size = src.byteSize();
    if (cutWhen != null && cutWhen.test(src)) {
      cutAt = written;
      cutWhen = null;
    }
    if (flipWhen != null && flipWhen.test(src)) {
      flipAt = written + flipIndex;
      flipWhen = null;
    }
    MemorySegment out = src;
    if (flipAt >= written && flipAt < written + size) {
      out = MemorySegment.ofArray(src.toArray(ValueLayout.JAVA_BYTE));
      long at = flipAt - written;
      out.set(ValueLayout.JAVA_BYTE, at, (byte) ~out.get(ValueLayout.JAVA_BYTE, at));
    }
    if (cutAt >= 0 && written + size > cutAt) {
      long keep = cutAt - written;
      inner.write(out.asSlice(0, keep));
      inner.flush();
      written += keep;
      cut = true;
      inner.close();
      throw new IOException("connection cut by the test after " + cutAt + " bytes");
    }
    inner.write(out);
    written += size;
  }

  @Override
  public void flush() throws IOException {
    inner.flush();
  }

  @Override
  public void readFully(MemorySegment dst) throws IOException {
    inner.readFully(dst);
  }

  @Override
  public void readFully(MemorySegment dst, long deadlineNanos) throws IOException {
    inner.readFully(dst, deadlineNanos);
  }

  @Override
  public void setReadTimeout(Duration timeout) {
    inner.setReadTimeout(timeout);
  }

  @Override
  public void setWriteTimeout(Duration timeout) {
    inner.setWriteTimeout(timeout);
  }

  @Override
  public void setDeadline(long deadlineNanos) {
    inner.setDeadline(deadlineNanos);
  }

  @Override
  public String describe() {
    return inner.describe();
  }

  @Override
  public void close() {
    inner.close();
  }
}
