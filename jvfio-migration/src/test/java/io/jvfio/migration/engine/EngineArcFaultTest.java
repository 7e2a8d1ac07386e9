package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fault wrapper on every arc either end takes, in every phase: a clean migration shows which
 * arcs each device walks, then one migration per arc fails that arc once. The source must end with
 * every device RUNNING and its content unchanged, the destination with every device reset and none
 * run with partial state. The one exception is the source's last arc (STOP_COPY to STOP, after the
 * destination runs the devices): the migration has completed then, and the source device is reset.
 */
class EngineArcFaultTest {
  private record Arc(String side, int device, MigrationState from, MigrationState to) {
    @Override
    public String toString() {
      return side + "[" + device + "] " + from + " -> " + to;
    }
  }

  @TestFactory
  Stream<DynamicTest> twoMemdevWithP2pAndPrecopy() throws Exception {
    return everyArc(List.of(Rig.Spec.memdev(0x7, 2L << 20, 0), Rig.Spec.memdev(0x7, 2L << 20, 0)));
  }

  @TestFactory
  Stream<DynamicTest> memdevAndMttyWithP2pOnly() throws Exception {
    return everyArc(List.of(Rig.Spec.memdev(0x3, 2L << 20, 0), Rig.Spec.mtty(0x3)));
  }

  @TestFactory
  Stream<DynamicTest> singleMemdevStopCopyOnly() throws Exception {
    return everyArc(List.of(Rig.Spec.memdev(0x1, 2L << 20, 0)));
  }

  @TestFactory
  Stream<DynamicTest> singleMemdevWithPrecopy() throws Exception {
    return everyArc(List.of(Rig.Spec.memdev(0x5, 2L << 20, 0)));
  }

  private static Stream<DynamicTest> everyArc(List<Rig.Spec> specs) throws Exception {
    List<Arc> arcs = arcsOfACleanMigration(specs);
    assertThat(arcs).isNotEmpty();
    List<DynamicTest> tests = new ArrayList<>();
    for (Arc arc : arcs) {
      tests.add(dynamicTest("fail " + arc, () -> failOnce(specs, arc)));
    }
    return tests.stream();
  }

  private static List<Arc> arcsOfACleanMigration(List<Rig.Spec> specs) throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(3);
      log.clear();
      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());
      assertThat(o.source().completed()).as("clean run: %s", o.source().error()).isTrue();
      Set<Arc> arcs = new LinkedHashSet<>();
      for (RecordingDevice.Event e : log.events()) {
        if (e.isArc() && e.ok()) {
          arcs.add(new Arc(e.side(), e.device(), e.from(), e.to()));
        }
      }
      return List.copyOf(arcs);
    }
  }

  private static void failOnce(List<Rig.Spec> specs, Arc arc) throws Exception {
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(5);
      List<String> before = src.digests();
      Rig.End faulted = arc.side().equals("src") ? src : dst;
      FaultyDevice f = faulted.faulty.get(arc.device());
      f.failArc(arc.from(), arc.to(), Errno.EIO, FaultyDevice.Repeat.ONCE);
      log.clear();

      Rig.Outcome o = Rig.migrate(src, dst, Rig.options());

      assertThat(f.injected()).as("the fault fired").isEqualTo(1);
      boolean lastSourceArc =
          arc.side().equals("src")
              && arc.from() == MigrationState.STOP_COPY
              && arc.to() == MigrationState.STOP;
      if (lastSourceArc) {
        // the destination already runs the devices: completed, and the source device is reset
        assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
        assertThat(o.destination().completed()).isTrue();
        assertThat(dst.digests()).isEqualTo(before);
        assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
        assertThat(o.source().recovery())
            .anySatisfy(n -> assertThat(n).contains(Rig.bdf(arc.device())).contains("reset"));
        assertThat(src.state(arc.device())).isEqualTo(MigrationState.RUNNING);
        return;
      }
      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      // the end whose call failed names the errno in its report
      MigrationReport failedHere = faulted == src ? o.source() : o.destination();
      assertThat(failedHere.errno()).as("errno of %s", failedHere.error()).isEqualTo("EIO");
      if (specs.size() > 1) {
        Rig.assertRunsOnlyBesidePeersThatAnswer(log.of("src"), specs.size());
        Rig.assertRunsOnlyBesidePeersThatAnswer(log.of("dst"), specs.size());
      }
    }
  }
}
