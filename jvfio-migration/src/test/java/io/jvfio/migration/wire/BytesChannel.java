package io.jvfio.migration.wire;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A test channel whose peer sent exactly the given bytes and closed (reads past them are end of
 * stream), and which collects what is written. It records the largest single read asked of it, so a
 * test can tell a reader that sized a buffer by a length the stream claimed. Public: the fuzz
 * targets read their inputs through it too.
 */
public final class BytesChannel extends TimelessChannel {
  private final MemorySegment in;
  private long inAt;
  private long largestRead;
  private byte[] out = new byte[256];
  private int outLength;

  /** Not copied: the allocation tests measure what a reader allocates, and a copy would count. */
  private BytesChannel(byte[] in) {
    this.in = MemorySegment.ofArray(in);
  }

  public static BytesChannel reading(byte[] bytes) {
    return new BytesChannel(bytes);
  }

  public static BytesChannel writing() {
    return new BytesChannel(new byte[0]);
  }

  /** Everything written so far. */
  public byte[] written() {
    return Arrays.copyOf(out, outLength);
  }

  /** Bytes written so far. */
  public int writtenLength() {
    return outLength;
  }

  /** The most bytes one read has asked for. */
  public long largestRead() {
    return largestRead;
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
  public void readFully(MemorySegment dst) throws IOException {
    long n = dst.byteSize();
    largestRead = Math.max(largestRead, n);
    long left = in.byteSize() - inAt;
    if (n > left) {
      MemorySegment.copy(in, inAt, dst, 0, left);
      inAt = in.byteSize();
      throw new EOFException("test stream ended after " + left + " of " + n + " bytes");
    }
    MemorySegment.copy(in, inAt, dst, 0, n);
    inAt += n;
  }

  @Override
  public String describe() {
    return "bytes";
  }
}
