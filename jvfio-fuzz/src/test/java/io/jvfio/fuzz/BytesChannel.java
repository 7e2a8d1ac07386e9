package io.jvfio.fuzz;

import io.jvfio.migration.transport.Channel;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * A channel whose peer sent exactly {@code bytes} and closed: reads past them are end of stream. It
 * records the largest single read asked of it, so a test can tell a reader that sized a buffer by a
 * length the stream claimed.
 */
final class BytesChannel implements Channel {
  private final MemorySegment bytes;
  private long at;
  private long largestRead;
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();

  BytesChannel(byte[] bytes) {
    this.bytes = MemorySegment.ofArray(bytes.clone());
  }

  long largestRead() {
    return largestRead;
  }

  /** What was written to this channel (how seeds are recorded). */
  byte[] written() {
    return written.toByteArray();
  }

  @Override
  public void write(MemorySegment src) {
    written.writeBytes(src.toArray(ValueLayout.JAVA_BYTE));
  }

  @Override
  public void flush() {}

  @Override
  public void readFully(MemorySegment dst) throws IOException {
    readFully(dst, 0);
  }

  @Override
  public void readFully(MemorySegment dst, long deadlineNanos) throws IOException {
    long n = dst.byteSize();
    largestRead = Math.max(largestRead, n);
    if (n > bytes.byteSize() - at) {
      at = bytes.byteSize();
      throw new EOFException("end of the fuzz input");
    }
    MemorySegment.copy(bytes, at, dst, 0, n);
    at += n;
  }

  @Override
  public void setReadTimeout(Duration timeout) {}

  @Override
  public void setWriteTimeout(Duration timeout) {}

  @Override
  public void setDeadline(long deadlineNanos) {}

  @Override
  public String describe() {
    return "fuzz input";
  }

  @Override
  public void close() {}
}
