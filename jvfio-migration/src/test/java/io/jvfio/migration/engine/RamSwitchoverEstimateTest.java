package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.GuestRamReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The switchover estimate counts the guest RAM that stop-copy will still move: the dirty pages as
 * of a sync taken just before the decision (pages written since the current pass began included),
 * and without any tracking every page not known to be zero. The source decides on that estimate, so
 * stop-copy must never move more RAM than it expected.
 */
class RamSwitchoverEstimateTest {
  static final long RAM = 8L << 20;

  /**
   * A guest vCPU driven by the engine's loop: in every precopy loop it writes data into {@link
   * #PER_LOOP} pages it did not write before, after the loop's own syncs, so the pages of the last
   * loop are found only by the sync before the decision.
   */
  static final class EveryLoop extends PrecopyLoops {
    static final int PER_LOOP = 16;
    private final GuestRam ram;
    private long next;
    long written;

    EveryLoop(GuestRam ram) {
      this.ram = ram;
    }

    @Override
    void loop() {
      ram.asVcpu(() -> {
        for (int i = 0; i < PER_LOOP; i++) {
          // a stride through the random and the zero half alike; a page is written once
          long page = (next++ * 97) % ram.pages();
          ram.cpuWrite(page * GuestRam.PAGE + 8, 0x5a5a_0000L + next);
          written++;
        }
      });
    }
  }

  private static GuestRamReport[] migrate(Rig.Spec spec, DirtyTracking.Choice choice)
      throws Exception {
    List<Rig.Spec> specs = List.of(spec);
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      GuestRam srcRam = src.guestRam(RAM, choice);
      GuestRam dstRam = dst.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRamMigrationTest.fillHalf(srcRam, 21);
      EveryLoop vcpu = new EveryLoop(srcRam);
      Rig.Outcome o =
          Rig.migrateVm(
              src,
              srcRam,
              dst,
              dstRam,
              Rig.options().withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER),
              vcpu);
      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.destination().completed()).as("dest: %s", o.destination().error()).isTrue();
      GuestRamReport sent = o.source().guestRam();
      GuestRamReport received = o.destination().guestRam();
      assertThat(received.digest()).isEqualTo(sent.digest()).isEqualTo(srcRam.digest());
      assertThat(vcpu.written).as("pages the vCPU wrote").isGreaterThan(EveryLoop.PER_LOOP);
      assertThat(received.stopCopyBytes())
          .as("both ends count the RAM moved in the downtime")
          .isEqualTo(sent.stopCopyBytes());
      assertThat(received.stopCopyEstimateBytes()).isEqualTo(-1);
      return new GuestRamReport[] {sent, received};
    }
  }

  @Test
  void pagesWrittenSinceThePassBeganAreInTheEstimate() throws Exception {
    GuestRamReport sent = migrate(Rig.Spec.memdev(0x7), DirtyTracking.Choice.AUTO)[0];
    assertThat(sent.trackingMethod()).isEqualTo("device DMA logging");
    assertThat(sent.stopCopyBytes())
        .as("the last loop's pages move in stop-copy")
        .isGreaterThanOrEqualTo(EveryLoop.PER_LOOP * GuestRam.PAGE);
    assertThat(sent.stopCopyBytes())
        .as("RAM moved in stop-copy against the estimate it switched over on")
        .isLessThanOrEqualTo(sent.stopCopyEstimateBytes());
  }

  @Test
  void withoutTrackingEveryPageNotKnownZeroIsInTheEstimate() throws Exception {
    GuestRamReport sent =
        migrate(new Rig.Spec("memdev-nolog", 0x7, 4L << 20, 0), DirtyTracking.Choice.NONE)[0];
    assertThat(sent.trackingMethod()).isEqualTo("none");
    // the random half and the pages the vCPU wrote into the zero half move again
    assertThat(sent.stopCopyBytes()).isGreaterThan(RAM / 2);
    assertThat(sent.stopCopyBytes())
        .as("RAM moved in stop-copy against the estimate it switched over on")
        .isLessThanOrEqualTo(sent.stopCopyEstimateBytes());
  }
}
