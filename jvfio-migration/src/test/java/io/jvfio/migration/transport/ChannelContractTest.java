package io.jvfio.migration.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every {@link Channel} must do; one subclass per transport. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ChannelContractTest {
  /** Two connected ends plus whatever else must be closed afterwards. */
  record Ends(Channel a, Channel b, AutoCloseable extra) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      a.close();
      b.close();
      if (extra != null) {
        extra.close();
      }
    }
  }

  /** Opens two fresh connected ends. */
  abstract Ends open() throws IOException;

  /** Bytes for the large one-way transfer. */
  abstract long largeBytes();

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  <T> Future<T> async(Callable<T> task) {
    return pool.submit(task);
  }

  @Test
  void roundTripsSeededRandomSizesBothWaysAtOnce() throws Exception {
    try (Ends e = open()) {
      Future<Long> ab = async(() -> pump(e.a(), 2_000_000, 11, 70_000));
      Future<Long> ba = async(() -> pump(e.b(), 1_500_000, 12, 70_000));
      long gotAtB = drain(e.b(), 2_000_000, 13, 90_000);
      long gotAtA = drain(e.a(), 1_500_000, 14, 90_000);
      assertThat(gotAtB).isEqualTo(ab.get());
      assertThat(gotAtA).isEqualTo(ba.get());
    }
  }

  @Test
  void largeTransferWithConcurrentWriterAndReader() throws Exception {
    long total = largeBytes();
    try (Ends e = open()) {
      e.b().setReadTimeout(Duration.ofSeconds(60));
      Future<Long> sent = async(() -> pump(e.a(), total, 21, 1 << 20));
      long received = drain(e.b(), total, 22, 3 << 19);
      assertThat(received).isEqualTo(sent.get());
    }
  }

  @Test
  void largeTransferBothWaysWithTimedReads() throws Exception {
    long total = largeBytes() / 4;
    try (Ends e = open()) {
      // A read timeout makes every read a timed read, concurrently with blocking writes.
      e.a().setReadTimeout(Duration.ofSeconds(60));
      e.b().setReadTimeout(Duration.ofSeconds(60));
      Future<Long> ab = async(() -> pump(e.a(), total, 31, 1 << 20));
      Future<Long> ba = async(() -> pump(e.b(), total, 32, 1 << 20));
      Future<Long> atA = async(() -> drain(e.a(), total, 33, 1 << 20));
      long atB = drain(e.b(), total, 34, 1 << 20);
      assertThat(atB).isEqualTo(ab.get());
      assertThat(atA.get()).isEqualTo(ba.get());
    }
  }

  @Test
  void worksFromVirtualThreadsIncludingTimedReads() throws Exception {
    long total = 8L << 20;
    try (Ends e = open();
        ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
      e.a().setReadTimeout(Duration.ofSeconds(60));
      e.b().setReadTimeout(Duration.ofSeconds(60));
      Future<Long> ab = virtual.submit(() -> pump(e.a(), total, 41, 100_000));
      Future<Long> ba = virtual.submit(() -> pump(e.b(), total, 42, 100_000));
      Future<Long> atA = virtual.submit(() -> drain(e.a(), total, 43, 100_000));
      Future<Long> atB = virtual.submit(() -> drain(e.b(), total, 44, 100_000));
      assertThat(atB.get()).isEqualTo(ab.get());
      assertThat(atA.get()).isEqualTo(ba.get());
      e.b().setReadTimeout(Duration.ofMillis(100));
      Future<Object> timed =
          virtual.submit(() -> {
            e.b().readFully(MemorySegment.ofArray(new byte[4]));
            return null;
          });
      assertThatThrownBy(timed::get).cause().isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void peerReadsBufferedBytesThenEof() throws Exception {
    try (Ends e = open()) {
      e.a().write(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
      e.a().flush();
      e.a().close();
      MemorySegment dst = MemorySegment.ofArray(new byte[10]);
      e.b().readFully(dst);
      assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
      assertThatThrownBy(() -> e.b().readFully(MemorySegment.ofArray(new byte[1])))
          .isInstanceOf(EOFException.class);
    }
  }

  @Test
  void eofInTheMiddleOfAMessage() throws Exception {
    try (Ends e = open()) {
      e.a().write(MemorySegment.ofArray(new byte[40]));
      e.a().flush();
      e.a().close();
      assertThatThrownBy(() -> e.b().readFully(MemorySegment.ofArray(new byte[100])))
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("40 of 100 bytes");
    }
  }

  @Test
  void peerCloseWakesABlockedReader() throws Exception {
    try (Ends e = open()) {
      Future<Object> blocked =
          async(() -> {
            e.b().readFully(MemorySegment.ofArray(new byte[8]));
            return null;
          });
      Thread.sleep(100);
      e.a().write(MemorySegment.ofArray(new byte[3]));
      e.a().flush();
      e.a().close();
      assertThatThrownBy(blocked::get)
          .cause()
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("3 of 8 bytes");
    }
  }

  @Test
  void readTimesOutWhenNothingArrives() throws Exception {
    try (Ends e = open()) {
      e.b().setReadTimeout(Duration.ofMillis(150));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> e.b().readFully(MemorySegment.ofArray(new byte[4])))
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("timed out");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isBetween(100L, 5_000L);
      // Nothing was consumed: the channel still works.
      e.a().write(bytes(7, 8, 9, 10));
      e.a().flush();
      MemorySegment dst = MemorySegment.ofArray(new byte[4]);
      e.b().readFully(dst);
      assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsExactly(7, 8, 9, 10);
    }
  }

  @Test
  void timeoutBoundsEachWaitNotTheWholeRead() throws Exception {
    try (Ends e = open()) {
      e.b().setReadTimeout(Duration.ofMillis(400));
      Future<Object> slow =
          async(() -> {
            for (int i = 0; i < 8; i++) {
              Thread.sleep(100);
              e.a().write(bytes(i));
              e.a().flush();
            }
            return null;
          });
      MemorySegment dst = MemorySegment.ofArray(new byte[8]);
      e.b().readFully(dst); // takes ~800 ms in all, never 400 ms without a byte
      assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
      slow.get();
      e.b().setReadTimeout(Duration.ZERO);
    }
  }

  @Test
  void closingTwiceIsFineAndLaterCallsFail() throws Exception {
    try (Ends e = open()) {
      e.a().close();
      e.a().close();
      assertThatThrownBy(() -> e.a().write(bytes(1))).isInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> e.a().readFully(MemorySegment.ofArray(new byte[1])))
          .isInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> e.a().flush()).isInstanceOf(ClosedChannelException.class);
      e.a().setReadTimeout(Duration.ofSeconds(1)); // harmless
      assertThat(e.a().describe()).isNotBlank();
    }
  }

  @Test
  void closingWakesThisEndsOwnBlockedReader() throws Exception {
    try (Ends e = open()) {
      Future<Object> blocked =
          async(() -> {
            e.b().readFully(MemorySegment.ofArray(new byte[8]));
            return null;
          });
      Thread.sleep(100);
      e.b().close();
      assertThatThrownBy(blocked::get).cause().isInstanceOf(IOException.class);
    }
  }

  @Test
  void emptyReadsAndWritesDoNothing() throws Exception {
    try (Ends e = open()) {
      e.a().write(MemorySegment.ofArray(new byte[0]));
      e.a().flush();
      e.b().readFully(MemorySegment.ofArray(new byte[0]));
      e.a().write(bytes(42));
      e.a().flush();
      MemorySegment one = MemorySegment.ofArray(new byte[1]);
      e.b().readFully(one);
      assertThat(one.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
    }
  }

  @Test
  void readsIntoAndWritesFromNativeAndHeapSegmentsOfOtherTypes() throws Exception {
    try (Ends e = open();
        Arena arena = Arena.ofConfined()) {
      long[] longs = {0x0102030405060708L, -1L, 0x1122334455667788L};
      e.a().write(MemorySegment.ofArray(longs));
      e.a().flush();
      MemorySegment dst = arena.allocate(24);
      e.b().readFully(dst);
      assertThat(dst.toArray(ValueLayout.JAVA_LONG)).containsExactly(longs);
      e.b().write(dst.asReadOnly());
      e.b().flush();
      int[] ints = new int[6];
      e.a().readFully(MemorySegment.ofArray(ints));
      assertThat(MemorySegment.ofArray(ints).toArray(ValueLayout.JAVA_BYTE))
          .containsExactly(MemorySegment.ofArray(longs).toArray(ValueLayout.JAVA_BYTE));
    }
  }

  @Test
  void negativeTimeoutIsRefused() throws Exception {
    try (Ends e = open()) {
      assertThatThrownBy(() -> e.a().setReadTimeout(Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  static MemorySegment bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return MemorySegment.ofArray(b);
  }

  /** A seeded pattern source: 4 MiB of random bytes, sent in seeded random slices. */
  private static final MemorySegment SOURCE;

  static {
    byte[] b = new byte[4 << 20];
    new SplittableRandom(99).nextBytes(b);
    SOURCE = MemorySegment.ofArray(b);
  }

  /**
   * Writes {@code total} bytes in seeded random sizes up to {@code maxChunk}, flushing now and
   * then; returns the CRC32C of what it sent.
   */
  static long pump(Channel c, long total, long seed, int maxChunk) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    CRC32C crc = new CRC32C();
    long sent = 0;
    while (sent < total) {
      int n = (int) Math.min(total - sent, r.nextInt(maxChunk + 1));
      long at = r.nextLong(SOURCE.byteSize() - n + 1);
      MemorySegment slice = SOURCE.asSlice(at, n);
      c.write(slice);
      crc.update(slice.asByteBuffer());
      sent += n;
      if (r.nextInt(4) == 0) {
        c.flush();
      }
    }
    c.flush();
    return crc.getValue();
  }

  /** Reads {@code total} bytes in seeded random sizes; returns the CRC32C of what it read. */
  static long drain(Channel c, long total, long seed, int maxChunk) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    CRC32C crc = new CRC32C();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(maxChunk + 1L);
      long got = 0;
      while (got < total) {
        int n = (int) Math.min(total - got, r.nextInt(maxChunk + 1));
        MemorySegment slice = buf.asSlice(0, n);
        c.readFully(slice);
        crc.update(slice.asByteBuffer());
        got += n;
      }
    }
    return crc.getValue();
  }
}
