package io.jvfio.migration.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class InMemoryChannelsTest extends ChannelContractTest {
  @Override
  Ends open() {
    InMemoryChannels.Pair p = InMemoryChannels.pair(64 * 1024);
    return new Ends(p.a(), p.b(), null);
  }

  @Override
  long largeBytes() {
    return 256L << 20;
  }

  @Test
  void aOneByteRingStillMovesEverything() throws Exception {
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(1)) {
      Future<Long> sent = async(() -> pump(p.a(), 50_000, 1, 1000));
      assertThat(drain(p.b(), 50_000, 2, 700)).isEqualTo(sent.get());
    }
  }

  @Test
  void aWriterBlocksWhileTheRingIsFullAndFailsWhenThePeerCloses() throws Exception {
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(16)) {
      Future<Object> writer =
          async(() -> {
            p.a().write(MemorySegment.ofArray(new byte[100]));
            return null;
          });
      Thread.sleep(150);
      assertThat(writer).isNotDone();
      p.b().close();
      assertThatThrownBy(writer::get)
          .cause()
          .isInstanceOf(IOException.class)
          .hasMessageContaining("peer closed")
          .hasMessageContaining("84 bytes not delivered");
    }
  }

  @Test
  void aWriterBlockedOnAFullRingResumesWhenTheReaderTakesBytes() throws Exception {
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(16)) {
      Future<Long> writer = async(() -> pump(p.a(), 100, 5, 100));
      Thread.sleep(100);
      assertThat(writer).isNotDone();
      assertThat(drain(p.b(), 100, 6, 7)).isEqualTo(writer.get());
    }
  }

  @Test
  void describeNamesTheEnds() {
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(8)) {
      assertThat(p.a().describe()).isEqualTo("in-memory a");
      assertThat(p.b().describe()).isEqualTo("in-memory b");
    }
  }

  @Test
  void aBufferOfNothingIsRefused() {
    assertThatThrownBy(() -> InMemoryChannels.pair(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 byte");
  }

  @Test
  void interruptingABlockedReaderEndsItsRead() throws Exception {
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(8)) {
      Thread t = Thread.currentThread();
      Future<Object> interrupter =
          async(() -> {
            Thread.sleep(100);
            t.interrupt();
            return null;
          });
      assertThatThrownBy(() -> p.b().readFully(MemorySegment.ofArray(new byte[1])))
          .isInstanceOf(java.io.InterruptedIOException.class);
      assertThat(Thread.interrupted()).isTrue();
      interrupter.get();
    }
  }
}
