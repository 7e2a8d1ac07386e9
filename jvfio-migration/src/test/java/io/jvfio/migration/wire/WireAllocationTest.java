package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The data path allocates a few small objects per record at most, never payload-sized ones. */
class WireAllocationTest {
  private static final int CHUNK = 1 << 20;
  private static final int RECORDS = 2000;

  private static com.sun.management.ThreadMXBean threads() {
    var mx = ManagementFactory.getThreadMXBean();
    assumeTrue(mx instanceof com.sun.management.ThreadMXBean);
    var sun = (com.sun.management.ThreadMXBean) mx;
    assumeTrue(sun.isThreadAllocatedMemorySupported());
    sun.setThreadAllocatedMemoryEnabled(true);
    return sun;
  }

  @Test
  void writingDataRecordsAllocatesNoPayloadSizedMemory() throws IOException {
    var mx = threads();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment chunk = arena.allocate(CHUNK);
      WireWriter w = new WireWriter(new Sink());
      w.header(SampleStream.NONCE, SampleStream.DEVICES);
      for (int i = 0; i < 200; i++) {
        w.data(i & 1, chunk);
      }
      long before = mx.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < RECORDS; i++) {
        w.data(i & 1, chunk);
        w.endOfState(i & 1);
      }
      long perRecord = (mx.getCurrentThreadAllocatedBytes() - before) / RECORDS;
      assertThat(perRecord).as("bytes allocated per 1 MiB DATA record").isLessThan(256);
    }
  }

  @Test
  void readingDataRecordsAllocatesNoPayloadSizedMemory() throws IOException {
    var mx = threads();
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, SampleStream.DEVICES);
    int headerLength = c.writtenLength();
    w.data(1, MemorySegment.ofArray(new byte[CHUNK]));
    byte[] all = c.written();
    WireReader r = new WireReader(new Repeating(all, headerLength), CHUNK, SampleStream.NONCE);
    r.header();
    for (int i = 0; i < 200; i++) {
      r.next();
    }
    long before = mx.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < RECORDS; i++) {
      Record rec = r.next();
      assertThat(rec instanceof Record.Data d && d.payload().byteSize() == CHUNK).isTrue();
    }
    long perRecord = (mx.getCurrentThreadAllocatedBytes() - before) / RECORDS;
    assertThat(perRecord).as("bytes allocated per 1 MiB DATA record").isLessThan(256);
  }

  /** Discards writes. */
  private static final class Sink implements Channel {
    @Override
    public void write(MemorySegment src) {}

    @Override
    public void flush() {}

    @Override
    public void readFully(MemorySegment dst) {
      throw new AssertionError("this test channel only takes writes");
    }

    @Override
    public void readFully(MemorySegment dst, long deadlineNanos) {
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
      return "sink";
    }

    @Override
    public void close() {}
  }

  /** Serves a prefix, then one record's bytes over and over. */
  private static final class Repeating implements Channel {
    private final MemorySegment bytes;
    private final long loopFrom;
    private long at;

    Repeating(byte[] bytes, long loopFrom) {
      this.bytes = MemorySegment.ofArray(bytes);
      this.loopFrom = loopFrom;
    }

    @Override
    public void readFully(MemorySegment dst) {
      long done = 0;
      while (done < dst.byteSize()) {
        long run = Math.min(dst.byteSize() - done, bytes.byteSize() - at);
        MemorySegment.copy(bytes, at, dst, done, run);
        done += run;
        at += run;
        if (at == bytes.byteSize()) {
          at = loopFrom;
        }
      }
    }

    @Override
    public void readFully(MemorySegment dst, long deadlineNanos) {
      readFully(dst);
    }

    @Override
    public void write(MemorySegment src) {
      throw new AssertionError("this test channel only serves reads");
    }

    @Override
    public void flush() {}

    @Override
    public void setReadTimeout(Duration timeout) {}

    @Override
    public void setWriteTimeout(Duration timeout) {}

    @Override
    public void setDeadline(long deadlineNanos) {}

    @Override
    public String describe() {
      return "repeating";
    }

    @Override
    public void close() {}
  }
}
