package io.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.memdev.StreamFormat;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The benchmarks' operations called directly: they move real, valid streams across sessions. */
class BenchStateTest {
  @Test
  void readOperationsDeliverWholeChunksOfBackToBackIdenticalStreams() {
    DataFdReadBench b = new DataFdReadBench();
    b.chunk = 12288;
    b.memoryMib = 1;
    b.setUp();
    try {
      ByteCounter c = new ByteCounter();
      long length = StreamFormat.fullStreamLength(1 << 20, MemDevice.Config.DEFAULT_DATA_CRC);
      byte[] first = new byte[(int) length];
      int ops = (int) (3 * length / b.chunk);
      for (long i = 0; i < ops; i++) {
        assertThat(b.read(c)).isEqualTo(b.chunk);
        byte[] got = b.buffer().toArray(ValueLayout.JAVA_BYTE);
        for (int k = 0; k < got.length; k++) {
          long at = (i * b.chunk + k) % length;
          if (i * b.chunk + k < length) {
            first[(int) at] = got[k];
          } else {
            assertThat(got[k]).as("byte %d of op %d", k, i).isEqualTo(first[(int) at]);
          }
        }
      }
      assertThat(c.bytes).isEqualTo((long) ops * b.chunk);
      assertThat(b.sessions).isEqualTo(3); // the first, then two restarts
      assertThat(MemorySegment.ofArray(first).get(ValueLayout.JAVA_INT_UNALIGNED, 0))
          .isEqualTo(StreamFormat.MAGIC);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void writeOperationsResumeTheWholeStreamAgainAndAgain() {
    DataFdWriteBench b = new DataFdWriteBench();
    b.chunk = 65536;
    b.memoryMib = 1;
    b.setUp();
    try {
      ByteCounter c = new ByteCounter();
      long length = StreamFormat.fullStreamLength(1 << 20, MemDevice.Config.DEFAULT_DATA_CRC);
      int perStream = (int) ((length + b.chunk - 1) / b.chunk);
      for (int i = 0; i < 2 * perStream; i++) {
        b.write(c);
      }
      assertThat(b.sessions).isEqualTo(2); // each ended with a verified RESUMING -> STOP
      assertThat(c.bytes).isEqualTo(2 * length);
      MemDevice src = b.host().model(b.host().source);
      MemDevice dst = b.host().model(b.host().destination);
      assertThat(dst.digest()).isEqualTo(src.digest());
    } finally {
      b.tearDown();
    }
  }

  @Test
  void theCopyBaselineWalksTheWholeRegionAndWraps() {
    CopyBench b = new CopyBench();
    b.chunk = 1 << 19;
    b.memoryMib = 2;
    b.setUp();
    try {
      ByteCounter c = new ByteCounter();
      long[] at = new long[6];
      for (int i = 0; i < at.length; i++) {
        at[i] = i % 2 == 0 ? b.copyOut(c) : b.copyIn(c);
      }
      assertThat(at).containsExactly(0, 1 << 19, 1 << 20, 3 << 19, 0, 1 << 19);
      assertThat(c.bytes).isEqualTo(6L << 19);
    } finally {
      b.tearDown();
    }
  }
}
