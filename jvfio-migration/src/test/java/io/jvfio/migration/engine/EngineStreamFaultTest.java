package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery from damaged streams and broken connections: a device stream cut short or with a byte
 * flipped, the wire stream damaged in transit or cut, a destination slower than the peer timeout, a
 * device that breaks, a channel closed under either end. Every time the source ends with its
 * devices RUNNING and their content unchanged, and the destination with none run with partial
 * state.
 */
class EngineStreamFaultTest {
  private static final long MEM = 2L << 20;

  /**
   * A stream cut in precopy leaves the device announcing bytes it never delivers, so precopy does
   * not converge: keep the time it may take short.
   */
  private static MigrationOptions options() {
    return Rig.options()
        .withMaxPrecopy(Duration.ofMillis(400))
        .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
  }

  /** Two P2P memdev (so a fault on one leaves the other mid-way) and flag sets of one device. */
  static Stream<List<Rig.Spec>> deviceSets() {
    return Stream.of(
        List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0)),
        List.of(Rig.Spec.memdev(0x1, MEM, 0)),
        List.of(Rig.Spec.memdev(0x5, MEM, 0)));
  }

  /** Where to cut or damage a memdev stream: header, first chunk, deep inside, end marker. */
  static Stream<Arguments> streamOffsets() {
    return deviceSets()
        .flatMap(specs ->
            LongStream.of(0, 31, 60, MEM / 2, -24, -1).mapToObj(off -> Arguments.of(specs, off)));
  }

  /** A device stream truncated anywhere (the device's last read returns 0 early). */
  @ParameterizedTest(name = "{0} cut at {1}")
  @MethodSource("streamOffsets")
  void truncatedDeviceStream(List<Rig.Spec> specs, long offset) throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(71);
      List<String> before = src.digests();
      int victim = specs.size() - 1;
      long at = resolve(src, victim, offset);
      src.faulty.get(victim).truncateStream(at, FaultyDevice.Repeat.ONCE);
      Rig.Outcome o = Rig.migrate(src, dst, options());

      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      assertThat(o.source().error()).startsWith("the destination aborted:");
      assertThat(o.destination().error())
          .contains("SET MIG_DEVICE_STATE STOP (" + Rig.cdev(victim) + ")")
          .contains("EINVAL");
    }
  }

  /**
   * The device sets of {@link #deviceSets()} with memdev's data checksums on: a byte flipped inside
   * the device (before the wire checksums it) is something only the device itself can notice.
   */
  static Stream<Arguments> checksummedStreamOffsets() {
    return Stream.of(
            List.of(Rig.Spec.memdevChecksummed(0x7, MEM), Rig.Spec.memdevChecksummed(0x7, MEM)),
            List.of(Rig.Spec.memdevChecksummed(0x1, MEM)),
            List.of(Rig.Spec.memdevChecksummed(0x5, MEM)))
        .flatMap(specs ->
            LongStream.of(0, 31, 60, MEM / 2, -24, -1).mapToObj(off -> Arguments.of(specs, off)));
  }

  /** A device stream with one byte flipped: the destination device refuses it. */
  @ParameterizedTest(name = "{0} flip at {1}")
  @MethodSource("checksummedStreamOffsets")
  void corruptedDeviceStream(List<Rig.Spec> specs, long offset) throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(73);
      List<String> before = src.digests();
      int victim = 0;
      src.faulty.get(victim).corruptStream(resolve(src, victim, offset), FaultyDevice.Repeat.ONCE);
      Rig.Outcome o = Rig.migrate(src, dst, options());

      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      assertThat(o.source().error()).startsWith("the destination aborted:");
    }
  }

  /** A negative offset counts from the end of the device's whole stream. */
  private static long resolve(Rig.End src, int device, long offset) {
    long full = src.devices.get(device).device().migration().stopCopySize();
    return offset >= 0 ? offset : full + offset;
  }

  static Stream<Arguments> wireFlips() {
    Predicate<MemorySegment> trailer =
        s -> s.byteSize() == 21 && s.get(ValueLayout.JAVA_BYTE, 0) == WireFormat.KIND_TRAILER;
    return Stream.of(
        Arguments.of("magic", null, 0),
        Arguments.of("session nonce", null, 20),
        Arguments.of("device count", null, 29),
        Arguments.of("a device entry", null, 46),
        Arguments.of("first record", null, 86),
        Arguments.of("a payload byte", null, 300_000),
        Arguments.of("a payload byte late in the stream", null, 2_500_000),
        Arguments.of("trailer record count", trailer, 4),
        Arguments.of("trailer byte count", trailer, 12),
        Arguments.of("trailer stream CRC", trailer, 20));
  }

  /** The wire stream damaged in transit: the destination's checks find it before running. */
  @ParameterizedTest(name = "flip {0}")
  @MethodSource("wireFlips")
  void corruptedWireStream(String what, Predicate<MemorySegment> write, int offset)
      throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(75);
      List<String> before = src.digests();
      Rig.Outcome o =
          Rig.migrate(
              src,
              dst,
              options(),
              ProgressListener.NONE,
              c ->
                  write == null
                      ? new FaultChannel(c).flipAt(offset)
                      : new FaultChannel(c).flipInWrite(write, offset),
              c -> c);

      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      // a damaged header is refused at the handshake, anything later aborts the migration
      int header = 32 + 2 * (18 + "0000:00:01.0".length() + "memdev".length()) + 4;
      assertThat(o.source().error())
          .startsWith(
              write == null && offset < header
                  ? "the receiver refused the migration before any device was touched:"
                  : "the destination aborted:");
    }
  }

  /** The connection cut after some bytes: the destination sees the stream end early. */
  @ParameterizedTest(name = "cut at {0}")
  @ValueSource(longs = {0, 10, 50, 200, 1 << 20, 3 << 20, -1})
  void cutWireStream(long offset) throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(77);
      List<String> before = src.digests();
      Predicate<MemorySegment> trailer =
          s -> s.byteSize() == 21 && s.get(ValueLayout.JAVA_BYTE, 0) == WireFormat.KIND_TRAILER;
      Rig.Outcome o =
          Rig.migrate(
              src,
              dst,
              options(),
              ProgressListener.NONE,
              c ->
                  offset >= 0
                      ? new FaultChannel(c).cutAt(offset)
                      : new FaultChannel(c).cutBeforeWrite(trailer),
              c -> c);

      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      assertThat(o.source().error()).contains("connection").contains("in-memory");
    }
  }

  /**
   * A destination slower than the peer timeout (an arc that takes long): the source gives up and
   * runs its devices again; the destination must then not keep the devices running.
   */
  @Test
  void destinationSlowerThanThePeerTimeout() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(79);
      List<String> before = src.digests();
      dst.faulty
          .get(1)
          .delayArc(
              MigrationState.RESUMING,
              MigrationState.STOP,
              Duration.ofMillis(1200),
              FaultyDevice.Repeat.ONCE);
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options().withPeerTimeout(Duration.ofMillis(500)));

      Rig.assertSourceRecovered(src, before, o.source());
      assertThat(o.source().error()).contains("did not answer within 500 ms");
      assertThat(o.destination().completed()).isFalse();
      assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
      assertThat(dst.digests()).containsOnly(Rig.zeroDigest(MEM));
    }
  }

  /** A slow arc within the timeout only makes the downtime longer. */
  @Test
  void slowArcWithinThePeerTimeoutStillCompletes() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(81);
      dst.faulty
          .get(0)
          .delayArc(
              MigrationState.RESUMING,
              MigrationState.STOP,
              Duration.ofMillis(300),
              FaultyDevice.Repeat.ONCE);
      Rig.Outcome o = Rig.migrate(src, dst, options());

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.source().downtimeMs()).isGreaterThanOrEqualTo(300);
      EngineMigrationTest.MigrationStateCheck.assertArrived(src, dst, o);
    }
  }

  /**
   * A source device that breaks mid-precopy (every arc fails, ERROR) cannot go back to RUNNING: it
   * is reset, and the other device returns to RUNNING with its content.
   */
  @Test
  void sourceDeviceBreaksDuringPrecopy() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(83);
      List<String> before = src.digests();
      AtomicBoolean broke = new AtomicBoolean();
      ProgressListener breaker =
          new ProgressListener() {
            @Override
            public void progress(long bytes, long remaining, double bytesPerSecond) {
              if (bytes >= MEM && broke.compareAndSet(false, true)) {
                src.faulty.get(1).breakDevice();
              }
            }
          };
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options(), breaker, c -> c, c -> c);

      assertThat(broke).isTrue();
      assertThat(o.source().completed()).isFalse();
      assertThat(o.source().error()).contains(Rig.cdev(1)).contains("EIO").contains("ERROR");
      assertThat(src.states()).containsOnly(MigrationState.RUNNING);
      assertThat(src.digests().get(0)).isEqualTo(before.get(0));
      assertThat(o.source().recovery())
          .anySatisfy(n -> assertThat(n).startsWith(Rig.bdf(1)).contains("reset"))
          .anySatisfy(n -> assertThat(n).isEqualTo(Rig.bdf(0) + " back to RUNNING"));
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
    }
  }

  /**
   * The receiver dies as stop-copy begins (its connection closes under it): the source runs its
   * devices again, and its report gives the downtime they had, from the switchover until they ran
   * again here, and says the destination never ran them; not "downtime 0 ms".
   */
  @Test
  void receiverKilledAtStopCopy() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(87);
      List<String> before = src.digests();
      AtomicReference<Channel> receiver = new AtomicReference<>();
      ProgressListener killer =
          new ProgressListener() {
            @Override
            public void phase(String phase) {
              if (phase.equals("stop-copy")) {
                receiver.get().close();
              }
            }
          };
      Rig.Outcome o =
          Rig.migrate(
              src,
              dst,
              Rig.options(),
              killer,
              c -> c,
              c -> {
                receiver.set(c);
                return c;
              });

      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      // what the devices themselves went through: from the first one leaving a running state to
      // the last one running again
      List<RecordingDevice.Event> arcs =
          log.of("src").stream().filter(RecordingDevice.Event::isArc).toList();
      long stopped =
          arcs.stream()
              .filter(e ->
                  e.arcInto(
                      MigrationState.RUNNING_P2P,
                      MigrationState.PRE_COPY_P2P,
                      MigrationState.STOP,
                      MigrationState.STOP_COPY))
              .mapToLong(RecordingDevice.Event::nanos)
              .min()
              .orElseThrow();
      long running =
          arcs.stream()
              .filter(e -> e.arcInto(MigrationState.RUNNING))
              .mapToLong(RecordingDevice.Event::nanos)
              .max()
              .orElseThrow();
      double devicesStoppedMs = (running - stopped) / 1e6;
      assertThat(o.source().downtimeMs())
          .as("downtime against the arcs %s", arcs)
          .isGreaterThanOrEqualTo(devicesStoppedMs)
          .isPositive()
          .isLessThanOrEqualTo(o.source().totalMs() + 1);
      assertThat(o.source().recovery())
          .anySatisfy(n -> assertThat(n).contains("the destination never ran them"));
    }
  }

  /** The destination's channel closed mid-precopy (its process let go of the connection). */
  @Test
  void destinationChannelClosedDuringPrecopy() throws Exception {
    closedDuringPrecopy(false);
  }

  /** The source's own channel closed mid-precopy. */
  @Test
  void sourceChannelClosedDuringPrecopy() throws Exception {
    closedDuringPrecopy(true);
  }

  private static void closedDuringPrecopy(boolean sourceSide) throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, MEM, 0), Rig.Spec.memdev(0x7, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(85);
      List<String> before = src.digests();
      AtomicReference<Channel> victim = new AtomicReference<>();
      AtomicBoolean closed = new AtomicBoolean();
      ProgressListener closer =
          new ProgressListener() {
            @Override
            public void progress(long bytes, long remaining, double bytesPerSecond) {
              if (bytes >= MEM && closed.compareAndSet(false, true)) {
                victim.get().close();
              }
            }
          };
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofSeconds(5));
      Rig.Outcome o =
          Rig.migrate(
              src,
              dst,
              options,
              closer,
              c -> {
                if (sourceSide) {
                  victim.set(c);
                }
                return c;
              },
              c -> {
                if (!sourceSide) {
                  victim.set(c);
                }
                return c;
              });

      assertThat(closed).isTrue();
      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      assertThat(o.source().error()).contains("destination");
    }
  }
}
