package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The base of the test channels that serve bytes already in memory: nothing they do can wait, so
 * timeouts and deadlines have nothing to bound, and there is nothing to flush or close.
 */
public abstract class TimelessChannel implements Channel {
  @Override
  public void flush() {}

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
  public void close() {}
}
