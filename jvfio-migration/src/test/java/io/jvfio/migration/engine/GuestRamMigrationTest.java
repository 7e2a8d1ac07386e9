package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.GuestRamReport;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A VM's guest RAM migrates beside its devices: pages the CPU and the devices write during precopy
 * are resent, whichever way device writes are tracked, so both ends end with the same RAM digest;
 * an engine that drops the devices' dirty pages ends with a different one.
 */
class GuestRamMigrationTest {
  static final long RAM = 8L << 20;
  static final long P2P_PRECOPY = 0x7;

  /** One 4 MiB device: "memdev", or "memdev-nolog" (without DMA logging). */
  static List<Rig.Spec> one(String model) {
    return List.of(new Rig.Spec(model, P2P_PRECOPY, 4L << 20, 0));
  }

  /**
   * Writes during precopy, from the engine's own thread between its loops (so the test does not
   * depend on timing): DMA by every memdev and CPU writes by the guest, for the first loops that
   * follow the start of precopy.
   */
  static final class Writer extends PrecopyLoops {
    private final Rig.End src;
    private final GuestRam ram;
    private final boolean dma;
    private final boolean cpu;
    private final SplittableRandom random = new SplittableRandom(42);
    private int loops;
    long dmaWrites;

    Writer(Rig.End src, GuestRam ram, boolean dma, boolean cpu) {
      this.src = src;
      this.ram = ram;
      this.dma = dma;
      this.cpu = cpu;
    }

    @Override
    void loop() {
      if (loops++ >= 24) {
        return;
      }
      if (dma) {
        for (int i = 0; i < src.models.size(); i++) {
          dmaWrites += src.memdev(i).runDmaWrites(16);
        }
      }
      if (cpu) {
        for (int i = 0; i < 16; i++) {
          ram.cpuWrite(8L * random.nextLong(RAM / 8), random.nextLong() | 1);
        }
      }
    }
  }

  /** The first half of the RAM random, the second zero: a guest's RAM before the migration. */
  static void fillHalf(GuestRam ram, long seed) {
    byte[] b = new byte[(int) (ram.bytes() / 2)];
    new SplittableRandom(seed).nextBytes(b);
    MemorySegment.copy(MemorySegment.ofArray(b), 0, ram.memory(), 0, b.length);
  }

  record Run(Rig.Outcome outcome, GuestRamReport sent, GuestRamReport received, Writer writer) {}

  static Run migrate(
      List<Rig.Spec> specs,
      DirtyTracking.Choice choice,
      boolean iommuDirtyBits,
      boolean dma,
      boolean cpu,
      boolean dropDeviceDirty)
      throws Exception {
    // a cold JVM may measure a first pass too slow for the whole RAM to fit the limit
    return migrate(
        specs,
        choice,
        iommuDirtyBits,
        dma,
        cpu,
        dropDeviceDirty,
        Rig.options().withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER));
  }

  static Run migrate(
      List<Rig.Spec> specs,
      DirtyTracking.Choice choice,
      boolean iommuDirtyBits,
      boolean dma,
      boolean cpu,
      boolean dropDeviceDirty,
      MigrationOptions options)
      throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(3);
      for (int i = 0; i < specs.size(); i++) {
        src.iommuDirtyBits(i, iommuDirtyBits);
      }
      GuestRam srcRam = src.guestRam(RAM, choice);
      GuestRam dstRam = dst.guestRam(RAM, DirtyTracking.Choice.AUTO);
      fillHalf(srcRam, 11);
      srcRam.tracking().dropDeviceDirty(dropDeviceDirty);
      Writer w = new Writer(src, srcRam, dma, cpu);
      Rig.Outcome o = Rig.migrateVm(src, srcRam, dst, dstRam, options, w);
      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.destination().completed()).as("dest: %s", o.destination().error()).isTrue();
      assertThat(o.destination().devices())
          .extracting("digest")
          .isEqualTo(o.source().devices().stream().map(d -> d.digest()).toList());
      // the receiver counts the passes from the stream as the source does
      assertThat(o.destination().guestRam().iterations())
          .as("RAM passes at the receiver")
          .isEqualTo(o.source().guestRam().iterations())
          .isPositive();
      // the timelines carry the RAM's bytes for the plot's band, to the last byte
      assertThat(o.source().timeline().getLast().ramBytes())
          .isEqualTo(o.source().guestRam().bytesSent());
      assertThat(o.destination().timeline().getLast().ramBytes())
          .isEqualTo(o.destination().guestRam().bytesSent())
          .isPositive();
      return new Run(o, o.source().guestRam(), o.destination().guestRam(), w);
    }
  }

  @Test
  void deviceDmaLoggingCatchesEveryDeviceWrite() throws Exception {
    Run r = migrate(one("memdev"), DirtyTracking.Choice.AUTO, true, true, false, false);
    assertThat(r.writer().dmaWrites).isPositive();
    assertThat(r.sent().trackingMethod()).isEqualTo("device DMA logging");
    assertThat(r.sent().trackingReason()).isEqualTo("every device has it");
    assertThat(r.sent().pagesDirtiedByDevices()).isPositive();
    assertThat(r.received().digest()).isEqualTo(r.sent().digest()).isNotNull();
  }

  /**
   * A precopy held back by a downtime limit no switchover can meet, while the CPU and the device
   * keep writing: pass after pass of dirty pages, and the receiver reports as many as the source.
   */
  @Test
  void bothEndsReportTheSameNumberOfRamPasses() throws Exception {
    Run r =
        migrate(
            one("memdev"),
            DirtyTracking.Choice.AUTO,
            true,
            true,
            true,
            false,
            Rig.options()
                .withDowntimeLimit(Duration.ofNanos(1))
                .withMaxPrecopy(Duration.ofMillis(300))
                .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER));
    assertThat(r.sent().iterations()).isGreaterThanOrEqualTo(3);
    assertThat(r.received().iterations()).isEqualTo(r.sent().iterations());
    assertThat(r.received().digest()).isEqualTo(r.sent().digest());
  }

  /**
   * The engine told to drop what the devices dirtied (the DMA log, the IOMMU's dirty bits, or with
   * no tracking the final resend of every mapped page) ends with a different RAM: the digest
   * comparison of the other tests can fail.
   */
  @ParameterizedTest(name = "{0} with {1}: {2}")
  @CsvSource({
    "memdev, AUTO, device DMA logging",
    "memdev-nolog, AUTO, iommufd dirty tracking",
    "memdev-nolog, NONE, none"
  })
  void anEngineThatDropsTheDeviceDirtyPagesLeavesADifferentRam(
      String model, DirtyTracking.Choice choice, String method) throws Exception {
    Run r = migrate(one(model), choice, true, true, false, true);
    assertThat(r.sent().trackingMethod()).isEqualTo(method);
    assertThat(r.received().digest()).isNotEqualTo(r.sent().digest());
  }

  @Test
  void iommufdDirtyTrackingServesAMixWithADeviceWithoutLogging() throws Exception {
    Run r =
        migrate(
            List.of(
                Rig.Spec.memdev(P2P_PRECOPY),
                new Rig.Spec("memdev-nolog", P2P_PRECOPY, 4L << 20, 0)),
            DirtyTracking.Choice.AUTO,
            true,
            true,
            false,
            false);
    assertThat(r.sent().trackingMethod()).isEqualTo("iommufd dirty tracking");
    assertThat(r.sent().trackingReason()).isEqualTo(Rig.bdf(1) + " (memdev) has no DMA logging");
    assertThat(r.sent().pagesDirtiedByDevices()).isPositive();
    assertThat(r.received().digest()).isEqualTo(r.sent().digest());
  }

  @Test
  void withoutAnyTrackingEveryMappedPageIsResentAtStopCopy() throws Exception {
    Run r = migrate(one("memdev-nolog"), DirtyTracking.Choice.AUTO, false, true, false, false);
    assertThat(r.sent().trackingMethod()).isEqualTo("none");
    assertThat(r.sent().trackingReason())
        .contains("no DMA logging and the IOMMU of")
        .endsWith("every mapped page is resent at stop-copy");
    assertThat(r.received().digest()).isEqualTo(r.sent().digest());
    // the first pass and the whole RAM again at stop-copy, zero pages as markers
    assertThat(r.sent().zeroPages() * GuestRam.PAGE + r.sent().bytesSent())
        .isGreaterThanOrEqualTo(2 * RAM);
  }

  @Test
  void cpuWritesDuringPrecopyAreResent() throws Exception {
    Run r = migrate(one("memdev"), DirtyTracking.Choice.AUTO, true, false, true, false);
    assertThat(r.sent().pagesDirtiedByCpu()).isPositive();
    assertThat(r.sent().pagesDirtiedByDevices()).isZero();
    assertThat(r.received().digest()).isEqualTo(r.sent().digest());
  }

  @Test
  void aHalfZeroRamMovesFewerBytesThanItsSize() throws Exception {
    Run r = migrate(one("memdev"), DirtyTracking.Choice.AUTO, true, false, false, false);
    assertThat(r.sent().zeroPages()).isGreaterThanOrEqualTo(RAM / 2 / GuestRam.PAGE);
    assertThat(r.sent().bytesSent()).isLessThan(RAM);
    assertThat(r.received().bytesSent()).isEqualTo(r.sent().bytesSent());
    assertThat(r.received().digest()).isEqualTo(r.sent().digest());
  }

  @Test
  void endsWithDifferentRamSizesAreRefusedBeforeAnyDeviceIsTouched() throws Exception {
    List<Rig.Spec> specs = one("memdev");
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      GuestRam srcRam = src.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRam dstRam = dst.guestRam(RAM / 2, DirtyTracking.Choice.AUTO);
      Rig.Outcome o = Rig.migrateVm(src, srcRam, dst, dstRam, Rig.options(), ProgressListener.NONE);
      assertThat(o.source().completed()).isFalse();
      assertThat(o.source().error())
          .contains(
              "the sender migrates 8 MiB of guest RAM but this receiver has 4 MiB: both ends must"
                  + " give the same --guest-ram-mib");
      assertThat(log.of("src")).as("source arcs").noneMatch(RecordingDevice.Event::isArc);
      // and a VM with RAM against a receiver of devices only
      Rig.Outcome none =
          Rig.migrateVm(src, srcRam, dst, null, Rig.options(), ProgressListener.NONE);
      assertThat(none.destination().error()).contains("but this receiver has none");
    }
  }

  /**
   * DMA that lands after the last precopy sync, while the devices still run at the switchover (the
   * engine's "stop-copy" phase begins before any device stops): only the sync after every device
   * stopped finds it.
   */
  @Test
  void writesAfterTheLastPrecopySyncAreFoundByTheSyncAfterTheDevicesStopped() throws Exception {
    List<Rig.Spec> specs = one("memdev");
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      GuestRam srcRam = src.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRam dstRam = dst.guestRam(RAM, DirtyTracking.Choice.AUTO);
      long[] late = new long[1];
      ProgressListener atSwitchover =
          new ProgressListener() {
            @Override
            public void phase(String phase) {
              if (phase.equals("stop-copy")) {
                late[0] = src.memdev(0).runDmaWrites(64);
              }
            }
          };
      Rig.Outcome o =
          Rig.migrateVm(
              src,
              srcRam,
              dst,
              dstRam,
              Rig.options().withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER),
              atSwitchover);
      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(late[0]).as("DMA writes at the switchover").isEqualTo(64);
      assertThat(o.destination().guestRam().digest()).isEqualTo(o.source().guestRam().digest());
      assertThat(srcRam.digest()).isEqualTo(o.source().guestRam().digest());
    }
  }

  @Test
  void aFailedSwitchoverResumesTheCpusAndStopsTheDirtyLogging() throws Exception {
    List<Rig.Spec> specs = one("memdev");
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      GuestRam srcRam = src.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRam dstRam = dst.guestRam(RAM, DirtyTracking.Choice.AUTO);
      src.faulty
          .get(0)
          .failArc(
              io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P,
              io.jvfio.uapi.vfio.MigrationState.STOP_COPY,
              io.jvfio.uapi.Errno.EIO,
              io.jvfio.devices.fault.FaultyDevice.Repeat.ONCE);
      boolean[] pausedAtSwitchover = new boolean[1];
      ProgressListener watch =
          new ProgressListener() {
            @Override
            public void phase(String phase) {
              if (phase.equals("recovering")) {
                pausedAtSwitchover[0] = srcRam.cpusPaused();
              }
            }
          };
      Rig.Outcome o = Rig.migrateVm(src, srcRam, dst, dstRam, Rig.options(), watch);
      assertThat(o.source().completed()).isFalse();
      assertThat(pausedAtSwitchover[0]).as("CPUs paused when the switchover failed").isTrue();
      assertThat(srcRam.cpusPaused()).as("CPUs after the recovery").isFalse();
      assertThat(src.memdev(0).dmaLoggingActive()).as("DMA logging after the recovery").isFalse();
      assertThat(o.source().guestRam().digest()).isNull();
    }
  }

  @Test
  void aTrackingMethodAskedForButMissingIsRefusedInASentence() throws Exception {
    List<Rig.Spec> specs = one("memdev-nolog");
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> src.guestRam(RAM, DirtyTracking.Choice.DEVICE_DMA_LOGGING))
          .isInstanceOf(MigrationFailure.class)
          .hasMessage("device DMA logging was asked for, but " + Rig.bdf(0) + " (memdev) has none");
    }
  }
}
