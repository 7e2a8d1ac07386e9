package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.InMemoryChannels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A whole session, both directions, through an in-memory channel pair. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WireRoundTripTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static final List<DeviceIdentity> DEVICES =
      List.of(
          new DeviceIdentity(0, "0000:00:03.0", "jvfio-counter", 0x1af4, 0x10f0, 0b111),
          new DeviceIdentity(1, "0000:00:04.0", "mtty \u00e9\u2713", 0x4321, 0x0001, 0b011),
          new DeviceIdentity(2, "0000:3b:00.7", "", 0xffff, 0x0000, -1L));

  /** One step of the source's script; the destination expects the same records back. */
  record Step(Marker marker, int device, byte[] payload) {}

  private static List<Step> script(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Step> steps = new ArrayList<>();
    for (int d = 0; d < 3; d++) {
      steps.add(new Step(Marker.SETUP_STATE, d, null));
      steps.add(new Step(Marker.END_OF_STATE, d, null));
    }
    int[] fixed = {0, 1, (1 << 20) + 5, 0, 2 << 20};
    for (int i = 0; i < 40; i++) {
      int d = r.nextInt(3);
      int size = i < fixed.length ? fixed[i] : r.nextInt(r.nextBoolean() ? 300 : 200_000);
      byte[] b = new byte[size];
      r.nextBytes(b);
      steps.add(new Step(Marker.DATA_STATE, d, b));
      if (i % 7 == 6) {
        steps.add(new Step(Marker.END_OF_STATE, d, null));
      }
      if (i == 20) {
        steps.add(new Step(Marker.INIT_DATA_SENT, 0, null));
      }
      if (i == 30) {
        steps.add(new Step(Marker.STOP_COPY_STATE, d, null));
      }
    }
    for (int d = 0; d < 3; d++) {
      byte[] config = new byte[256 + d];
      r.nextBytes(config);
      steps.add(new Step(Marker.CONFIG_STATE, d, config));
      steps.add(new Step(Marker.END_OF_STATE, d, null));
    }
    return steps;
  }

  @Test
  void aWholeSessionWithBackChannelRoundTrips() throws Exception {
    List<Step> steps = script(7);
    byte[] nonce = new byte[WireFormat.NONCE_BYTES];
    new SplittableRandom(99).nextBytes(nonce);
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(64 * 1024);
        Arena arena = Arena.ofShared()) {
      Channel src = p.a();
      Channel dst = p.b();
      // The source: waits for the receiver's HELLO, echoes its nonce, sends everything, then
      // commits and reports the outcome. Payloads come from segments of several kinds.
      Future<SourceSaw> source =
          pool.submit(() -> {
            BackReader fromDst = new BackReader(src, DEVICES.size());
            BackMessage.Hello hello = (BackMessage.Hello) fromDst.next();
            assertThat(hello.version()).isEqualTo(WireFormat.VERSION);
            WireWriter w = new WireWriter(src);
            w.header(hello.nonce(), DEVICES);
            int k = 0;
            for (Step s : steps) {
              switch (s.marker()) {
                case SETUP_STATE -> w.setup(s.device());
                case END_OF_STATE -> w.endOfState(s.device());
                case INIT_DATA_SENT -> w.initDataSent(s.device());
                case STOP_COPY_STATE -> w.stopCopy(s.device());
                case DATA_STATE -> w.data(s.device(), segmentOfKind(s.payload(), k++, arena));
                case CONFIG_STATE -> w.config(s.device(), MemorySegment.ofArray(s.payload()));
              }
              if (k % 5 == 0) {
                w.flush();
              }
            }
            w.trailer();
            List<BackMessage> loaded = new ArrayList<>();
            BackMessage m;
            do {
              m = fromDst.next();
              loaded.add(m);
            } while (!(m instanceof BackMessage.Result));
            w.commit();
            BackMessage running = fromDst.next();
            w.outcome(123_456_789L, 300_000_000L);
            return new SourceSaw(
                w.records(), w.payloadBytes(), loaded, running, fromDst.offset(), hello.nonce());
          });

      // The destination: greets first with its nonce, then reads the stream.
      BackWriter back = new BackWriter(dst, DEVICES.size());
      back.hello(nonce);
      WireReader in = new WireReader(dst, 4 << 20, nonce);
      assertThat(in.header()).isEqualTo(DEVICES);
      assertThat(in.deviceCount()).isEqualTo(3);
      long bytes = 0;
      int windowed = 0;
      for (Step s : steps) {
        Record rec = in.next();
        switch (s.marker()) {
          case DATA_STATE -> {
            // a payload larger than a piece arrives in pieces, only the last one complete
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            while (true) {
              assertThat(rec).isInstanceOf(Record.Data.class);
              Record.Data d = (Record.Data) rec;
              assertThat(d.device()).isEqualTo(s.device());
              assertThat(d.payload().byteSize()).isLessThanOrEqualTo(WireFormat.PIECE_BYTES);
              got.writeBytes(d.payload().toArray(ValueLayout.JAVA_BYTE));
              if (d.complete()) {
                break;
              }
              assertThat(d.payload().byteSize()).isEqualTo(WireFormat.PIECE_BYTES);
              windowed++;
              rec = in.next();
            }
            assertThat(got.toByteArray()).isEqualTo(s.payload());
            bytes += s.payload().length;
          }
          case CONFIG_STATE -> {
            assertThat(rec).isInstanceOf(Record.Config.class);
            Record.Config c = (Record.Config) rec;
            assertThat(c.device()).isEqualTo(s.device());
            assertThat(c.payload().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(s.payload());
            bytes += s.payload().length;
          }
          default -> {
            assertThat(rec).isEqualTo(new Record.Section(s.device(), s.marker()));
            if (s.marker() == Marker.INIT_DATA_SENT) {
              back.switchoverAck(s.device());
              back.keepAlive();
            }
          }
        }
      }
      // every payload over a piece comes in ceil(size / piece) pieces: all but the last are counted
      long pieces = 0;
      for (Step s : steps) {
        if (s.marker() == Marker.DATA_STATE && s.payload().length > WireFormat.PIECE_BYTES) {
          pieces += (s.payload().length + WireFormat.PIECE_BYTES - 1) / WireFormat.PIECE_BYTES - 1;
        }
      }
      assertThat(pieces).as("the steps have payloads larger than a piece").isGreaterThan(2);
      assertThat(windowed).isEqualTo(pieces);
      Record trailer = in.next();
      assertThat(trailer).isEqualTo(new Record.Trailer(steps.size(), bytes));
      assertThatThrownBy(in::next).isInstanceOf(IllegalStateException.class);
      back.result(true, "every device is loaded", Map.of(2, "sha256:cc", 0, "sha256:aa"));
      assertThat(in.decision()).isEmpty();
      back.result(true, "every device is RUNNING", 4_242_000L, Map.of());
      assertThat(in.outcome()).isEqualTo(new WireReader.Outcome(123_456_789L, 300_000_000L));

      SourceSaw saw = source.get();
      assertThat(saw.nonce()).isEqualTo(nonce);
      assertThat(saw.records()).isEqualTo(steps.size());
      assertThat(saw.bytes()).isEqualTo(bytes);
      assertThat(saw.loaded())
          .containsExactly(
              new BackMessage.SwitchoverAck(0),
              new BackMessage.KeepAlive(),
              new BackMessage.Result(
                  true, "every device is loaded", Map.of(0, "sha256:aa", 2, "sha256:cc")));
      BackMessage.Result loaded = (BackMessage.Result) saw.loaded().get(2);
      assertThat(loaded.digests().keySet()).containsExactly(0, 2);
      assertThat(loaded.nanos()).isZero();
      assertThat(saw.running())
          .isEqualTo(new BackMessage.Result(true, "every device is RUNNING", 4_242_000L, Map.of()));
      // HELLO 25, SWITCHOVER_ACK 7, KEEPALIVE 5, the two RESULTs; each ends in a 4-byte CRC32C
      int hello = 1 + 4 + 16 + 4;
      int result1 = 1 + 1 + 2 + 22 + 8 + 2 + 2 * (2 + 2 + 9) + 4;
      int result2 = 1 + 1 + 2 + 23 + 8 + 2 + 4;
      assertThat(saw.backOffset()).isEqualTo(hello + 7 + 5 + result1 + result2);
      assertThat(in.offset()).isEqualTo(dstStreamLength(steps) + 1 + (1 + 8 + 8 + 4));
    }
  }

  /** What the source thread of the whole session saw. */
  record SourceSaw(
      long records,
      long bytes,
      List<BackMessage> loaded,
      BackMessage running,
      long backOffset,
      byte[] nonce) {}

  /** Header, records and trailer of the script's stream (computed from the documented sizes). */
  private static long dstStreamLength(List<Step> steps) {
    long n = WireFormat.HEADER_FIXED_BYTES + 8 + 4; // the guest RAM size, the CRC
    for (DeviceIdentity id : DEVICES) {
      n += id.wireSize();
    }
    for (Step s : steps) {
      n += s.payload() == null ? 11 : 23 + s.payload().length;
    }
    return n + 21;
  }

  /** Heap byte[], native, heap long[] (copied through an array for the CRC) and read-only. */
  private static MemorySegment segmentOfKind(byte[] b, int k, Arena arena) {
    MemorySegment heap = MemorySegment.ofArray(b);
    return switch (k % 4) {
      case 0 -> heap;
      case 1 -> arena.allocate(Math.max(1, b.length)).asSlice(0, b.length).copyFrom(heap);
      case 2 -> {
        long[] longs = new long[(b.length + 7) / 8];
        MemorySegment s = MemorySegment.ofArray(longs).asSlice(0, b.length);
        yield s.copyFrom(heap);
      }
      default -> heap.asReadOnly();
    };
  }

  @Test
  void eitherSideMayAbort() throws Exception {
    try (InMemoryChannels.Pair p = InMemoryChannels.pair(4096)) {
      WireWriter w = new WireWriter(p.a());
      w.header(SampleStream.NONCE, DEVICES);
      w.data(1, MemorySegment.ofArray(new byte[10]));
      w.abort("source: device 1 failed to enter STOP_COPY \u2013 EIO");
      assertThatThrownBy(() -> w.setup(0)).isInstanceOf(IllegalStateException.class);
      WireReader r = new WireReader(p.b(), 100, SampleStream.NONCE);
      r.header();
      assertThat(r.next()).isInstanceOf(Record.Data.class);
      assertThat(r.next())
          .isEqualTo(new Record.Abort("source: device 1 failed to enter STOP_COPY \u2013 EIO"));
      assertThatThrownBy(r::next).isInstanceOf(IllegalStateException.class);

      new BackWriter(p.b()).abort("destination: model mismatch");
      assertThat(new BackReader(p.a()).next())
          .isEqualTo(new BackMessage.Abort("destination: model mismatch"));
    }
  }

  @Test
  void backChannelMessagesRoundTripIncludingEdgeCases() throws Exception {
    BytesChannel c = BytesChannel.writing();
    BackWriter w = new BackWriter(c, 3);
    w.switchoverAck(2);
    w.result(false, "", Map.of());
    w.result(true, "\u00e9".repeat(40_000), Map.of(1, "x".repeat(0xffff)));
    w.abort("a".repeat(70_000));
    w.flush();
    BackReader r = new BackReader(BytesChannel.reading(c.written()), 3);
    assertThat(r.next()).isEqualTo(new BackMessage.SwitchoverAck(2));
    assertThat(r.next()).isEqualTo(new BackMessage.Result(false, "", Map.of()));
    BackMessage.Result long1 = (BackMessage.Result) r.next();
    // 40 000 two-byte characters are 80 000 bytes: cut to 32 767 whole characters.
    assertThat(long1.message()).isEqualTo("\u00e9".repeat(32_767));
    assertThat(long1.digests()).containsExactly(Map.entry(1, "x".repeat(0xffff)));
    assertThat(r.next()).isEqualTo(new BackMessage.Abort("a".repeat(0xffff)));
    assertThatThrownBy(r::next).isInstanceOf(java.io.EOFException.class);
  }

  @Test
  void theWriterRefusesMisuse() throws IOException {
    WireWriter w = new WireWriter(BytesChannel.writing());
    assertThatThrownBy(() -> w.setup(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("header() must be written first");
    assertThatThrownBy(() -> w.header(SampleStream.NONCE, List.of(DEVICES.get(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device at position 0 has index 1");
    w.header(SampleStream.NONCE, DEVICES);
    assertThatThrownBy(() -> w.header(SampleStream.NONCE, DEVICES))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w.data(3, MemorySegment.ofArray(new byte[1])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device index 3 is not in the header's 0..2");
    assertThatThrownBy(() -> w.endOfState(-1)).isInstanceOf(IllegalArgumentException.class);
    w.trailer();
    assertThatThrownBy(w::trailer)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("finished");
    assertThatThrownBy(() -> new BackWriter(BytesChannel.writing(), 2).switchoverAck(2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new BackWriter(BytesChannel.writing()).result(true, "", Map.of(0, "\ud800")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void markersCarryQemusValues() {
    assertThat(Marker.END_OF_STATE.value()).isEqualTo(0xffffffffef100001L);
    assertThat(Marker.CONFIG_STATE.value()).isEqualTo(0xffffffffef100002L);
    assertThat(Marker.SETUP_STATE.value()).isEqualTo(0xffffffffef100003L);
    assertThat(Marker.DATA_STATE.value()).isEqualTo(0xffffffffef100004L);
    assertThat(Marker.INIT_DATA_SENT.value()).isEqualTo(0xffffffffef100005L);
    for (Marker m : Marker.values()) {
      assertThat(Marker.fromValue(m.value())).isSameAs(m);
      assertThat(m.hasPayload()).isEqualTo(m == Marker.DATA_STATE || m == Marker.CONFIG_STATE);
    }
    assertThat(Marker.fromValue(0xffffffffef100000L)).isNull();
    assertThat(Marker.fromValue(0xffffffffef100006L)).isNull();
    assertThat(Marker.fromValue(0xfffffffeef100001L)).isNull();
    assertThat(Marker.fromValue(1)).isNull();
  }

  @Test
  void deviceIdentitiesAreChecked() {
    assertThatThrownBy(() -> new DeviceIdentity(0, "", "m", 0, 0, 0))
        .hasMessageContaining("1-64 characters of printable ASCII");
    assertThatThrownBy(() -> new DeviceIdentity(0, "0000:00:01.0 ", "m", 0, 0, 0))
        .hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> new DeviceIdentity(0, "\u00e9", "m", 0, 0, 0))
        .hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> new DeviceIdentity(0, "b", "\u00e9".repeat(129), 0, 0, 0))
        .hasMessageContaining("model name of 258 UTF-8 bytes is longer than 256");
    assertThatThrownBy(() -> new DeviceIdentity(0, "b", "\udc00", 0, 0, 0))
        .hasMessageContaining("not valid Unicode");
    assertThatThrownBy(() -> new DeviceIdentity(65536, "b", "m", 0, 0, 0))
        .hasMessageContaining("not a u16");
    assertThatThrownBy(() -> new DeviceIdentity(0, "b", "m", 0x10000, 0, 0))
        .hasMessageContaining("vendor id");
    assertThatThrownBy(() -> new DeviceIdentity(0, "b", "m", 0, -1, 0))
        .hasMessageContaining("device id");
    assertThat(new DeviceIdentity(0, "b".repeat(64), "\u00e9".repeat(128), 0xffff, 0xffff, -1))
        .isNotNull();
  }

  @Test
  void theReaderRefusesMisuse() {
    WireReader r =
        new WireReader(BytesChannel.reading(SampleStream.build().bytes), 100, SampleStream.NONCE);
    assertThatThrownBy(r::next).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(r::deviceCount).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> new WireReader(BytesChannel.reading(new byte[0]), -1, SampleStream.NONCE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thePayloadBufferIsReusedAndGrowsOnlyWhenNeeded() throws IOException {
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, DEVICES);
    int[] sizes = {1000, 1000, 500, 200_000, 1000, 0};
    for (int size : sizes) {
      w.data(0, MemorySegment.ofArray(new byte[size]));
    }
    w.trailer();
    WireReader r = new WireReader(BytesChannel.reading(c.written()), 1 << 20, SampleStream.NONCE);
    r.header();
    List<MemorySegment> views = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      views.add(((Record.Data) r.next()).payload());
    }
    assertThat(views.get(0).isNative()).isTrue();
    assertThat(views.get(1)).isSameAs(views.get(0)); // same size: the very same view
    assertThat(views.get(2).address()).isEqualTo(views.get(0).address());
    assertThat(views.get(3).address()).isNotEqualTo(views.get(0).address()); // grew once
    assertThat(views.get(4).address()).isEqualTo(views.get(3).address());
    assertThat(views.get(5).byteSize()).isZero();
    assertThat(r.next()).isInstanceOf(Record.Trailer.class);
  }
}
