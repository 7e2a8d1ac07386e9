package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Migrations that succeed, in one JVM over an in-memory channel, and what they must guarantee. */
class EngineMigrationTest {
  private static final ValueLayout.OfShort BIG_ENDIAN_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  static Stream<Arguments> singleDevices() {
    List<Arguments> l = new ArrayList<>();
    for (long flags : new long[] {0x1, 0x3, 0x5, 0x7}) {
      l.add(Arguments.of("memdev", flags));
      l.add(Arguments.of("mtty", flags));
    }
    return l.stream();
  }

  /** The source's content when it stopped is the destination's content once it runs. */
  @ParameterizedTest(name = "{0} flags 0x{1}")
  @MethodSource("singleDevices")
  void singleDeviceArrivesWithTheContentItHadWhenItStopped(String model, long flags)
      throws Exception {
    Rig.Spec spec =
        model.equals("memdev") ? Rig.Spec.memdev(flags, 4L << 20, 0) : Rig.Spec.mtty(flags);
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", List.of(spec), log);
        Rig.End dst = new Rig.End("dst", List.of(spec), log)) {
      src.fill(21);
      src.dirtyRate(3000); // memdev: a live workload dirtying pages while it migrates
      if (model.equals("memdev")) {
        for (int i = 0; i < 200 && src.memdev(0).workloadSteps() == 0; i++) {
          sleep(5);
        }
      }
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.destination().completed()).as("dest: %s", o.destination().error()).isTrue();
      String atStop = o.source().devices().get(0).digest();
      assertThat(atStop).isNotNull().isEqualTo(src.digests().get(0));
      assertThat(o.destination().devices().get(0).digest()).isEqualTo(atStop);
      assertThat(dst.digests()).containsExactly(atStop);
      assertThat(src.states()).containsExactly(MigrationState.STOP);
      assertThat(dst.states()).containsExactly(MigrationState.RUNNING);
      assertThat(o.source().devices().get(0).finalState()).isEqualTo("STOP");
      assertThat(o.destination().devices().get(0).finalState()).isEqualTo("RUNNING");
      boolean precopy = (flags & 0x4) != 0;
      assertThat(o.source().devices().get(0).iterations() > 0).isEqualTo(precopy);
      assertSameCountsOnBothEnds(o);
      MigrationReport.DeviceReport sent = o.source().devices().get(0);
      assertThat(sent.stopCopyBytes()).as("stop-copy bytes").isPositive();
      if (!precopy) {
        assertThat(sent.precopyBytes()).isZero();
        assertThat(sent.iterations()).isZero();
      }
      if (model.equals("memdev")) {
        assertThat(src.memdev(0).workloadSteps()).as("the workload ran").isPositive();
        if (precopy) {
          assertThat(o.source().devices().get(0).precopyBytes()).isGreaterThan(4L << 20);
        }
      }
      // the source quiesces only with P2P, and never runs again
      List<RecordingDevice.Event> srcArcs =
          log.of("src").stream().filter(RecordingDevice.Event::isArc).toList();
      assertThat(srcArcs).allMatch(RecordingDevice.Event::ok);
      assertThat(srcArcs.stream().anyMatch(e -> e.arcInto(MigrationState.RUNNING)))
          .as("source arcs %s", srcArcs)
          .isFalse();
      boolean p2p = (flags & 0x2) != 0;
      assertThat(
              srcArcs.stream()
                  .anyMatch(
                      e -> e.arcInto(MigrationState.RUNNING_P2P, MigrationState.PRE_COPY_P2P)))
          .isEqualTo(p2p);
    }
  }

  static Stream<Arguments> deviceSets() {
    return Stream.of(
        Arguments.of(
            "two memdev and an mtty, all 0x7",
            List.of(
                Rig.Spec.memdev(0x7, 4L << 20, 2000),
                Rig.Spec.memdev(0x7, 2L << 20, 2000),
                Rig.Spec.mtty(0x7))),
        Arguments.of(
            "memdev and mtty without precopy (0x3)",
            List.of(Rig.Spec.memdev(0x3, 4L << 20, 2000), Rig.Spec.mtty(0x3))),
        Arguments.of(
            "mixed: memdev 0x7, memdev 0x3, mtty 0x7",
            List.of(
                Rig.Spec.memdev(0x7, 2L << 20, 2000),
                Rig.Spec.memdev(0x3, 2L << 20, 2000),
                Rig.Spec.mtty(0x7))));
  }

  /**
   * The destination files every byte under the phase the source sent it in (the STOP_COPY_STATE
   * marker tells it where stop-copy begins) and counts the same precopy rounds.
   */
  static void assertSameCountsOnBothEnds(Rig.Outcome o) {
    List<MigrationReport.DeviceReport> sent = o.source().devices();
    List<MigrationReport.DeviceReport> received = o.destination().devices();
    assertThat(received).hasSameSizeAs(sent);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(received.get(i).precopyBytes())
          .as("precopy bytes of device %d at the destination", i)
          .isEqualTo(sent.get(i).precopyBytes());
      assertThat(received.get(i).stopCopyBytes())
          .as("stop-copy bytes of device %d at the destination", i)
          .isEqualTo(sent.get(i).stopCopyBytes());
      assertThat(received.get(i).iterations())
          .as("precopy rounds of device %d at the destination", i)
          .isEqualTo(sent.get(i).iterations());
    }
  }

  /**
   * Iterations are passes over a device's data, not chunks read: an 8 MiB memdev with no workload
   * sends its initial image in one pass (eight 1 MiB reads and more), and the mtty's few bytes of
   * precopy data are one pass as well; a device without precopy has none.
   */
  @Test
  void iterationsArePassesOverTheDataNotChunks() throws Exception {
    List<Rig.Spec> specs =
        List.of(Rig.Spec.memdev(0x7, 8L << 20, 0), Rig.Spec.mtty(0x7), Rig.Spec.memdev(0x3));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(23);
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      List<MigrationReport.DeviceReport> d = o.source().devices();
      assertThat(d.get(0).precopyBytes()).isGreaterThan(8L << 20);
      assertThat(d.get(0).iterations()).isEqualTo(1);
      assertThat(d.get(1).precopyBytes()).isPositive().isLessThan(1024);
      assertThat(d.get(1).iterations()).isEqualTo(1);
      assertThat(d.get(2).precopyBytes()).isZero();
      assertThat(d.get(2).iterations()).isZero();
      assertThat(d.get(2).stopCopyBytes()).isPositive();
      assertSameCountsOnBothEnds(o);
    }
  }

  /** A workload that dirties pages while precopy runs makes more passes: every one is counted. */
  @Test
  void aDirtyingWorkloadMakesMorePassesAndBothEndsCountThem() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 4L << 20, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(25);
      src.dirtyRate(1_000_000);
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofMillis(300))
              .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
      Rig.Outcome o = Rig.migrate(src, dst, options);

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      MigrationReport.DeviceReport d = o.source().devices().get(0);
      assertThat(d.iterations()).isGreaterThan(1);
      // a pass sends at most what was pending when it began, and a chunk at least: never more
      // passes than chunks
      assertThat((long) d.iterations()).isLessThanOrEqualTo(d.precopyBytes() / 4096 + 1);
      assertSameCountsOnBothEnds(o);
    }
  }

  /** Both ends report the limit the source worked to, with the downtime. */
  @Test
  void theDowntimeLimitIsReportedByBothEnds() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 2L << 20, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(27);
      Rig.Outcome o =
          Rig.migrate(src, dst, Rig.options().withDowntimeLimit(Duration.ofMillis(275)));

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.source().downtimeLimitMs()).isEqualTo(275.0);
      assertThat(o.destination().downtimeLimitMs()).isEqualTo(275.0);
      assertThat(o.destination().downtimeMs()).isEqualTo(o.source().downtimeMs()).isPositive();
      // which end, what the digests are, and where the downtime lies on each end's timeline
      assertThat(o.source().side()).isEqualTo(MigrationReport.Side.SENDER);
      assertThat(o.destination().side()).isEqualTo(MigrationReport.Side.RECEIVER);
      assertThat(o.source().digestAlgorithm()).isEqualTo("SHA-256");
      assertThat(o.destination().digestAlgorithm()).isEqualTo("SHA-256");
      for (MigrationReport r : List.of(o.source(), o.destination())) {
        // totalMs is whole milliseconds, rounded down: the window may end in its last fraction
        assertThat(r.downtimeStartMs()).as("%s", r.side()).isBetween(0.0, r.totalMs() + 5.0);
        // the window and totalMs are taken from separate clock reads: a few ms of slack
        assertThat(r.downtimeStartMs() + r.downtimeMs()).isLessThanOrEqualTo(r.totalMs() + 5.0);
      }
    }
  }

  /** With several devices every one reaches a P2P state before any device stops. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("deviceSets")
  void severalDevicesQuiesceBeforeAnyStops(String name, List<Rig.Spec> specs) throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs.stream().map(s -> s.withRate(0)).toList(), log)) {
      src.fill(31);
      log.clear();
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      List<String> atStop = o.source().devices().stream().map(d -> d.digest()).toList();
      assertThat(dst.digests()).isEqualTo(atStop);
      assertThat(o.destination().devices().stream().map(d -> d.digest()).toList())
          .isEqualTo(atStop);

      List<RecordingDevice.Event> srcEvents = log.of("src");
      int lastQuiesce = -1;
      int firstStop = Integer.MAX_VALUE;
      for (int i = 0; i < srcEvents.size(); i++) {
        RecordingDevice.Event e = srcEvents.get(i);
        if (e.arcInto(MigrationState.RUNNING_P2P, MigrationState.PRE_COPY_P2P)) {
          lastQuiesce = i;
        }
        if (e.arcInto(MigrationState.STOP, MigrationState.STOP_COPY)) {
          firstStop = Math.min(firstStop, i);
        }
      }
      for (int d = 0; d < specs.size(); d++) {
        int dev = d;
        assertThat(
                srcEvents.stream()
                    .anyMatch(e ->
                        e.device() == dev
                            && e.arcInto(MigrationState.RUNNING_P2P, MigrationState.PRE_COPY_P2P)))
            .as("device %d was quiesced: %s", d, srcEvents)
            .isTrue();
      }
      assertThat(lastQuiesce).as("source arcs %s", srcEvents).isLessThan(firstStop);

      // and the destination: every device RUNNING_P2P before any device RUNNING
      List<RecordingDevice.Event> dstEvents = log.of("dst");
      int lastP2p = -1;
      int firstRunning = Integer.MAX_VALUE;
      for (int i = 0; i < dstEvents.size(); i++) {
        RecordingDevice.Event e = dstEvents.get(i);
        if (e.arcInto(MigrationState.RUNNING_P2P) && e.from() == MigrationState.STOP) {
          lastP2p = i;
        }
        if (e.arcInto(MigrationState.RUNNING)) {
          firstRunning = Math.min(firstRunning, i);
        }
      }
      assertThat(lastP2p).as("destination arcs %s", dstEvents).isLessThan(firstRunning);
      Rig.assertNeverRanPartially(dstEvents, specs.size());
    }
  }

  /** Several devices where one lacks P2P: refused with a clear message before anything changes. */
  @Test
  void severalDevicesWhereOneLacksP2pAreRefusedBeforeAnythingChanges() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7), Rig.Spec.memdev(0x5), Rig.Spec.mtty(0x7));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(41);
      List<String> before = src.digests();
      log.clear();
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      assertThat(o.source().completed()).isFalse();
      assertThat(o.source().error())
          .contains("P2P")
          .contains(Rig.bdf(1) + " (memdev)")
          .doesNotContain(Rig.bdf(0))
          .doesNotContain(Rig.bdf(2));
      assertThat(log.of("src")).as("no source device was touched").isEmpty();
      assertThat(src.states()).containsOnly(MigrationState.RUNNING);
      assertThat(src.digests()).isEqualTo(before);
      assertThat(o.source().devices()).allMatch(d -> d.totalBytes() == 0);
      assertThat(o.source().recovery()).as("nothing to recover").isEmpty();
      assertThat(o.destination().completed()).isFalse();
      assertThat(log.of("dst").stream().filter(RecordingDevice.Event::isArc))
          .as("no destination arc")
          .isEmpty();
      assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
    }
  }

  /**
   * A device that is not RUNNING (a paused VM's device, here STOP) is refused, and the refusal
   * leaves it where it was: the source must not start a device it never touched.
   */
  @Test
  void deviceNotRunningIsRefusedAndLeftAsItWas() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7), Rig.Spec.memdev(0x7));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(45);
      src.devices.get(1).device().migration().set(MigrationState.STOP);
      List<String> before = src.digests();
      log.clear();
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      assertThat(o.source().completed()).isFalse();
      assertThat(o.source().error()).isEqualTo(Rig.bdf(1) + " is in STOP, not RUNNING");
      assertThat(src.states()).containsExactly(MigrationState.RUNNING, MigrationState.STOP);
      assertThat(log.of("src")).as("no source device was touched").isEmpty();
      assertThat(o.source().recovery()).as("nothing to recover").isEmpty();
      assertThat(src.digests()).isEqualTo(before);
      assertThat(o.destination().completed()).isFalse();
      assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
    }
  }

  /** A destination whose devices differ refuses the migration; nothing runs there. */
  @Test
  void destinationWithOtherDevicesRefusesAndTheSourceRecovers() throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    List<Rig.Spec> dstSpecs = List.of(Rig.Spec.memdev(0x5));
    try (Rig.End src = new Rig.End("src", List.of(Rig.Spec.memdev(0x7)), log);
        Rig.End dst = new Rig.End("dst", dstSpecs, log)) {
      src.fill(43);
      List<String> before = src.digests();
      log.clear();
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      Rig.assertSourceRecovered(src, before, o.source());
      assertThat(o.source().error())
          .startsWith("the receiver refused the migration before any device was touched:")
          .contains("does not match")
          .contains("flags 0x7");
      assertThat(o.destination().error()).contains("does not match");
      assertThat(log.of("src")).as("no source device was touched").isEmpty();
      assertThat(o.source().recovery()).as("nothing to recover").isEmpty();
      Rig.assertDestinationClean(dst, o.destination(), log, dstSpecs);
    }
  }

  /**
   * A sender naming fewer devices than the receiver has (jvfio migrate send --devices one BDF to a
   * receiver of three) is refused at the handshake: no device stops on either end, and both ends
   * say in one sentence what each side has.
   */
  @Test
  void aSenderWithFewerDevicesIsRefusedBeforeAnyDeviceIsTouched() throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    List<Rig.Spec> dstSpecs =
        List.of(Rig.Spec.memdev(0x7), Rig.Spec.memdev(0x7), Rig.Spec.mtty(0x7));
    try (Rig.End src = new Rig.End("src", List.of(Rig.Spec.memdev(0x7)), log);
        Rig.End dst = new Rig.End("dst", dstSpecs, log)) {
      src.fill(47);
      List<String> before = src.digests();
      log.clear();
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      String sentence =
          "the sender migrates 1 device (0000:00:01.0 memdev) but the receiver expects 3 devices"
              + " (0000:00:01.0 memdev, 0000:00:02.0 memdev, 0000:00:03.0 mtty): both ends must"
              + " name the same devices in the same order";
      assertThat(o.destination().error()).isEqualTo(sentence);
      assertThat(o.source().error())
          .isEqualTo(
              "the receiver refused the migration before any device was touched: " + sentence);
      assertThat(log.events()).as("no device was touched on either end").isEmpty();
      Rig.assertSourceRecovered(src, before, o.source());
      assertThat(o.source().recovery()).isEmpty();
      assertThat(o.source().downtimeMs()).isZero();
      assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
    }
  }

  /**
   * A huge dirty rate with a tiny downtime limit never converges: after maxPrecopy the source
   * switches over anyway, says so in the report, and the content still arrives intact.
   */
  @Test
  void precopyThatCannotConvergeSwitchesOverAfterMaxPrecopyAndSaysSo() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 4L << 20, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(51);
      src.dirtyRate(1_000_000);
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofMillis(400))
              .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
      Rig.Outcome o = Rig.migrate(src, dst, options);

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.source().recovery())
          .anySatisfy(n ->
              assertThat(n)
                  .contains("did not converge")
                  .contains("400 ms")
                  .contains("switched over anyway"));
      assertThat(o.source().totalMs()).isGreaterThanOrEqualTo(400);
      MigrationStateCheck.assertArrived(src, dst, o);
      assertThat(o.source().devices().get(0).iterations()).isGreaterThan(1);
      assertThat(o.source().devices().get(0).stopCopyBytes())
          .as("dirty pages left for stop-copy")
          .isPositive();
    }
  }

  /**
   * QEMU's policy, the default: precopy that cannot fit the limit keeps iterating past maxPrecopy
   * (once noted) and never forces a switchover; at the migration's deadline it fails, and both ends
   * recover: source devices RUNNING with their content, destination devices reset.
   */
  @Test
  void precopyThatCannotConvergeKeepsIteratingUntilTheDeadlineThenRecovers() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 2L << 20, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(57);
      List<String> before = src.digests();
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofMillis(200))
              .withDeadline(Duration.ofMillis(900));
      Rig.Outcome o = Rig.migrate(src, dst, options);

      Rig.assertSourceRecovered(src, before, o.source());
      assertThat(o.source().error()).contains("deadline").contains("900 ms");
      assertThat(o.source().recovery()).anySatisfy(n -> assertThat(n).contains("kept iterating"));
      assertThat(o.source().totalMs()).isBetween(900L, 900L + 2_000L);
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
    }
  }

  /** With FAIL, precopy that has not converged at maxPrecopy ends the migration there. */
  @Test
  void precopyThatCannotConvergeFailsAtMaxPrecopyWhenAskedTo() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 2L << 20, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(59);
      List<String> before = src.digests();
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofMillis(300))
              .withOnNoConvergence(MigrationOptions.NoConvergence.FAIL);
      Rig.Outcome o = Rig.migrate(src, dst, options);

      Rig.assertSourceRecovered(src, before, o.source());
      assertThat(o.source().error()).contains("did not converge within 300 ms");
      assertThat(o.source().totalMs()).isBetween(300L, 300L + 2_000L);
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
    }
  }

  /**
   * With a moderate workload and QEMU's 300 ms limit, precopy converges on its own: no note, and
   * what is left for stop-copy is a small part of the memory.
   */
  @Test
  void precopyConvergesWithinTheDowntimeLimit() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 8L << 20, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(53);
      src.dirtyRate(500);
      MigrationOptions options = Rig.options().withMaxPrecopy(Duration.ofSeconds(10));
      Rig.Outcome o = Rig.migrate(src, dst, options);

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.source().recovery()).noneMatch(n -> n.contains("did not converge"));
      assertThat(o.source().totalMs()).isLessThan(10_000);
      assertThat(o.source().devices().get(0).stopCopyBytes()).isLessThan(2L << 20);
      MigrationStateCheck.assertArrived(src, dst, o);
    }
  }

  /**
   * A precopy that lasts longer than the peer timeout is not a silent peer: the destination has
   * nothing to say until switchover, so the migration must still complete.
   */
  @Test
  void precopyLongerThanThePeerTimeoutStillCompletes() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 2L << 20, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(55);
      MigrationOptions options =
          Rig.options()
              .withPeerTimeout(Duration.ofMillis(300))
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofMillis(1200))
              .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
      Rig.Outcome o = Rig.migrate(src, dst, options);

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.destination().completed())
          .as("destination: %s", o.destination().error())
          .isTrue();
      MigrationStateCheck.assertArrived(src, dst, o);
    }
  }

  /**
   * Switchover-ack: the destination approves each device once it loaded that device's initial data,
   * and the source does not stop any device before every approval arrived.
   */
  @Test
  void switchoverAckTheSourceWaitsForTheDestinationsApproval() throws Exception {
    List<Rig.Spec> specs =
        List.of(Rig.Spec.memdev(0x7, 2L << 20, 0), Rig.Spec.memdev(0x7, 2L << 20, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(61);
      List<String> content = src.digests();
      List<Integer> acked = Collections.synchronizedList(new ArrayList<>());
      List<Boolean> loadedWhenAcked = Collections.synchronizedList(new ArrayList<>());
      List<Integer> eventsBeforeLastAck = Collections.synchronizedList(new ArrayList<>());
      FaultChannel.Hook slowAcks =
          (offset, bytes) -> {
            // kind, u16 device, CRC32C
            if (bytes.byteSize() == 7
                && bytes.get(ValueLayout.JAVA_BYTE, 0) == (byte) WireFormat.KIND_SWITCHOVER_ACK) {
              int device = Short.toUnsignedInt(bytes.get(BIG_ENDIAN_SHORT, 1));
              loadedWhenAcked.add(dst.memdev(device).digest().equals(content.get(device)));
              sleep(300);
              acked.add(device);
              eventsBeforeLastAck.add(log.events().size());
            }
          };
      Rig.Outcome o =
          Rig.migrate(
              src,
              dst,
              Rig.options().withSwitchoverAck(true).withMaxPrecopy(Duration.ofSeconds(10)),
              ProgressListener.NONE,
              c -> c,
              (Channel c) -> new FaultChannel(c).hook(slowAcks));

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(acked).containsExactlyInAnyOrder(0, 1);
      assertThat(loadedWhenAcked).as("initial data loaded when approving").containsOnly(true);
      // nothing quiesced or stopped on the source until the last approval was sent
      List<RecordingDevice.Event> events = log.events();
      int lastAck = eventsBeforeLastAck.get(eventsBeforeLastAck.size() - 1);
      for (int i = 0; i < lastAck; i++) {
        RecordingDevice.Event e = events.get(i);
        if (e.side().equals("src")) {
          assertThat(
                  e.arcInto(
                      MigrationState.PRE_COPY_P2P,
                      MigrationState.RUNNING_P2P,
                      MigrationState.STOP_COPY,
                      MigrationState.STOP))
              .as("%s happened before the last approval (events %s)", e, events)
              .isFalse();
        }
      }
      assertThat(o.source().totalMs()).isGreaterThanOrEqualTo(600);
      assertThat(dst.digests()).isEqualTo(content);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Checks shared by the successful migrations. */
  static final class MigrationStateCheck {
    private MigrationStateCheck() {}

    static void assertArrived(Rig.End src, Rig.End dst, Rig.Outcome o) {
      assertThat(o.destination().completed()).isTrue();
      List<String> atStop = o.source().devices().stream().map(d -> d.digest()).toList();
      assertThat(atStop).doesNotContainNull();
      assertThat(dst.digests()).isEqualTo(atStop);
      assertThat(src.states()).containsOnly(MigrationState.STOP);
      assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
    }
  }
}
