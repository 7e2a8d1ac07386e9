package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
      // a few small views per piece of the payload; a payload-sized buffer would be 1 MiB
      assertThat(perRecord).as("bytes allocated per 1 MiB DATA record").isLessThan(1024);
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
    // start at a record's first piece
    while (!(r.next() instanceof Record.Data first && first.complete())) {
      // the rest of a record
    }
    long before = mx.getCurrentThreadAllocatedBytes();
    // plain checks in the loop: an assertion allocates
    int wrong = 0;
    for (int i = 0; i < RECORDS; i++) {
      long got = 0;
      while (true) {
        if (!(r.next() instanceof Record.Data d)
            || d.payload().byteSize() > WireFormat.PIECE_BYTES) {
          wrong++;
          break;
        }
        got += d.payload().byteSize();
        if (d.complete()) {
          break;
        }
      }
      wrong += got == CHUNK ? 0 : 1;
    }
    assertThat(wrong).as("records not read as 1 MiB in pieces of at most a piece").isZero();
    long perRecord = (mx.getCurrentThreadAllocatedBytes() - before) / RECORDS;
    assertThat(perRecord).as("bytes allocated per 1 MiB DATA record").isLessThan(256);
  }

  /** Native memory reserved through the JDK (direct buffers and native memory segments). */
  private static long directBytes() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getTotalCapacity();
      }
    }
    throw new AssertionError("no direct buffer pool");
  }

  /**
   * A header, then a section record of {@code marker} for device 0 claiming {@code claimed} payload
   * bytes, of which only {@code present} follow before the stream ends.
   */
  private static byte[] claiming(Marker marker, long claimed, int present) throws IOException {
    BytesChannel c = BytesChannel.writing();
    new WireWriter(c).header(SampleStream.NONCE, SampleStream.DEVICES);
    int at = c.writtenLength();
    byte[] s = java.util.Arrays.copyOf(c.written(), at + 19 + present);
    s[at] = WireFormat.KIND_SECTION;
    SampleStream.putU16(s, at + 1, 0);
    SampleStream.putU64(s, at + 3, marker.value());
    SampleStream.putU64(s, at + 11, claimed);
    for (int i = 0; i < present; i++) {
      s[at + 19 + i] = (byte) i;
    }
    return s;
  }

  /**
   * A record may claim any size up to the reader's limit; with no limit to speak of, a claim of
   * 2^62 or 2^63-1 bytes still only ever costs one window: the pieces that did arrive come out, the
   * end of the stream is a clean EOFException, and neither the heap nor native memory grows by more
   * than the window (a reader that sized its buffer by the claim would throw OutOfMemoryError for
   * the first two, and reserve 256 MiB for the third).
   */
  @ParameterizedTest(name = "claim of {0} bytes")
  @ValueSource(longs = {1L << 62, Long.MAX_VALUE, 256L << 20})
  void aHugeClaimedPayloadCostsAtMostOneWindowAndEndsInACleanEof(long claimed) throws IOException {
    var mx = threads();
    int present = 2 * WireFormat.PIECE_BYTES + 12_345;
    byte[] s = claiming(Marker.DATA_STATE, claimed, present);
    System.gc(); // collect the buffers of earlier readers, so that the measurement is this one's
    long directBefore = directBytes();
    long heapBefore = mx.getCurrentThreadAllocatedBytes();
    WireReader r = new WireReader(BytesChannel.reading(s), Long.MAX_VALUE, SampleStream.NONCE);
    r.header();
    long delivered = 0;
    for (int i = 0; i < 2; i++) {
      Record rec = next(r);
      assertThat(rec).isInstanceOf(Record.Data.class);
      Record.Data d = (Record.Data) rec;
      assertThat(d.complete()).isFalse();
      assertThat(d.payload().byteSize()).isEqualTo(WireFormat.PIECE_BYTES);
      assertThat(d.payload().get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 1);
      delivered += d.payload().byteSize();
    }
    long at = s.length - 12_345;
    assertThatThrownBy(() -> next(r))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining(
            "the stream ended inside the payload of a section record at offset " + at);
    long heap = mx.getCurrentThreadAllocatedBytes() - heapBefore;
    long direct = directBytes() - directBefore;
    assertThat(delivered).isEqualTo(2L * WireFormat.PIECE_BYTES);
    assertThat(direct)
        .as("native bytes reserved by the reader")
        .isLessThanOrEqualTo(WireFormat.WINDOW_BYTES + 4096);
    assertThat(heap).as("heap bytes allocated by the reader").isLessThan(256 * 1024);
  }

  /** {@code r.next()}, with an OutOfMemoryError (a buffer sized by a claim) as a plain failure. */
  private static Record next(WireReader r) throws IOException {
    try {
      return r.next();
    } catch (OutOfMemoryError e) {
      throw new AssertionError("the reader tried to allocate for the claimed size: " + e, e);
    }
  }

  /** The largest u64 (and any claim above 2^63-1) is refused before a byte of it is read. */
  @Test
  void aClaimOfTheLargestU64IsRefusedBeforeAnyAllocation() throws IOException {
    byte[] s = claiming(Marker.DATA_STATE, -1L, 10);
    long directBefore = directBytes();
    WireReader r = new WireReader(BytesChannel.reading(s), Long.MAX_VALUE, SampleStream.NONCE);
    r.header();
    assertThatThrownBy(r::next)
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("payload size 18446744073709551615 of the DATA_STATE record")
        .satisfies(
            e -> assertThat(((WireFormatException) e).offset()).isEqualTo(s.length - 10 - 8));
    assertThat(directBytes() - directBefore).isLessThanOrEqualTo(0);
  }

  /** CONFIG state is loaded whole, so a claim over one window is refused outright. */
  @Test
  void aConfigPayloadLargerThanTheWindowIsRefused() throws IOException {
    for (long claimed : new long[] {WireFormat.WINDOW_BYTES + 1L, 1L << 62}) {
      byte[] s = claiming(Marker.CONFIG_STATE, claimed, 10);
      WireReader r = new WireReader(BytesChannel.reading(s), Long.MAX_VALUE, SampleStream.NONCE);
      r.header();
      assertThatThrownBy(r::next)
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining(
              "the CONFIG_STATE payload of device 0 claims "
                  + claimed
                  + " bytes; config state is at most 1048576")
          .satisfies(
              e -> assertThat(((WireFormatException) e).offset()).isEqualTo(s.length - 10 - 8));
    }
    // exactly one window is fine
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, SampleStream.DEVICES);
    w.config(1, MemorySegment.ofArray(new byte[WireFormat.WINDOW_BYTES]));
    w.trailer();
    WireReader r =
        new WireReader(BytesChannel.reading(c.written()), Long.MAX_VALUE, SampleStream.NONCE);
    r.header();
    assertThat(r.next())
        .isInstanceOfSatisfying(
            Record.Config.class,
            cf -> assertThat(cf.payload().byteSize()).isEqualTo(WireFormat.WINDOW_BYTES));
    assertThat(r.next()).isEqualTo(new Record.Trailer(1, WireFormat.WINDOW_BYTES));
  }

  /** Seeded random claims over random stream ends: pieces of at most a window, then EOF. */
  @Test
  void seededRandomClaimsNeverYieldMoreThanAWindowOrMoreThanArrived() throws IOException {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(77);
    for (int trial = 0; trial < 60; trial++) {
      long claimed =
          switch (trial % 3) {
            case 0 -> rnd.nextLong(1, Long.MAX_VALUE);
            case 1 -> rnd.nextLong(1, 8L << 20);
            default -> 1L << rnd.nextInt(20, 63);
          };
      int present = (int) Math.min(claimed - 1, rnd.nextInt(3 * WireFormat.WINDOW_BYTES));
      byte[] s = claiming(Marker.DATA_STATE, claimed, present);
      WireReader r = new WireReader(BytesChannel.reading(s), Long.MAX_VALUE, SampleStream.NONCE);
      r.header();
      long got = 0;
      try {
        while (true) {
          Record.Data d = (Record.Data) next(r);
          assertThat(d.payload().byteSize()).isLessThanOrEqualTo(WireFormat.WINDOW_BYTES);
          assertThat(d.complete()).isFalse();
          got += d.payload().byteSize();
        }
      } catch (EOFException e) {
        assertThat(e).hasMessageContaining("the stream ended inside the payload");
      }
      assertThat(got).as("trial %d, claim %d", trial, claimed).isLessThanOrEqualTo(present);
      assertThat(present - got).isLessThan(WireFormat.WINDOW_BYTES);
    }
  }

  /** Discards writes. */
  private static final class Sink extends TimelessChannel {
    @Override
    public void write(MemorySegment src) {}

    @Override
    public void readFully(MemorySegment dst) {
      throw new AssertionError("this test channel only takes writes");
    }

    @Override
    public String describe() {
      return "sink";
    }
  }

  /** Serves a prefix, then one record's bytes over and over. */
  private static final class Repeating extends TimelessChannel {
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
    public void write(MemorySegment src) {
      throw new AssertionError("this test channel only serves reads");
    }

    @Override
    public String describe() {
      return "repeating";
    }
  }
}
