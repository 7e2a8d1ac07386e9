package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;

/** A test channel: reads a fixed byte array (then EOF) and collects what is written. */
final class BytesChannel implements Channel {
  private final MemorySegment in;
  private long inAt;
  private byte[] out = new byte[256];
  private int outLength;

  private BytesChannel(byte[] in) {
    this.in = MemorySegment.ofArray(in);
  }

  static BytesChannel reading(byte[] bytes) {
    return new BytesChannel(bytes);
  }

  static BytesChannel writing() {
    return new BytesChannel(new byte[0]);
  }

  /** Everything written so far. */
  byte[] written() {
    return Arrays.copyOf(out, outLength);
  }

  /** Bytes written so far. */
  int writtenLength() {
    return outLength;
  }

  @Override
  public void write(MemorySegment src) {
    int n = Math.toIntExact(src.byteSize());
    if (outLength + n > out.length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + n));
    }
    MemorySegment.copy(src, 0, MemorySegment.ofArray(out), outLength, n);
    outLength += n;
  }

  @Override
  public void flush() {}

  @Override
  public void readFully(MemorySegment dst) throws IOException {
    long n = dst.byteSize();
    long left = in.byteSize() - inAt;
    if (n > left) {
      MemorySegment.copy(in, inAt, dst, 0, left);
      inAt = in.byteSize();
      throw new EOFException("test stream ended after " + left + " of " + n + " bytes");
    }
    MemorySegment.copy(in, inAt, dst, 0, n);
    inAt += n;
  }

  /** The bytes are all there: a deadline can never pass while waiting for them. */
  @Override
  public void readFully(MemorySegment dst, long deadlineNanos) throws IOException {
    readFully(dst);
  }

  @Override
  public void setReadTimeout(Duration timeout) {}

  @Override
  public void setWriteTimeout(Duration timeout) {}

  @Override
  public void setDeadline(long deadlineNanos) {}

  @Override
  public String describe() {
    return "bytes";
  }

  @Override
  public void close() {}
}
