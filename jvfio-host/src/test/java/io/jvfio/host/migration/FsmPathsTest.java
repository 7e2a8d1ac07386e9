package io.jvfio.host.migration;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.migration.ExpectedFsmPaths.Expected;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every (from, to) pair, ERROR and the states a device lacks included, for the four flag sets Linux
 * accepts, through the syscall layer: the arcs the model is asked for, the errno, the write-back
 * and the data fd are those of the hand-derived table {@code fsm-paths.txt}.
 */
class FsmPathsTest {
  private static final int IMAGE = 64;

  /** The states each flag set has (the uAPI's list), plus ERROR, which every device can be in. */
  private static final Map<Long, Set<MigrationState>> STATES =
      Map.of(
          0x1L, Set.of(ERROR, STOP, RUNNING, STOP_COPY, RESUMING),
          0x3L, Set.of(ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P),
          0x5L, Set.of(ERROR, STOP, RUNNING, STOP_COPY, RESUMING, PRE_COPY),
          0x7L, Set.of(MigrationState.values()));

  @ParameterizedTest
  @ValueSource(longs = {0x1, 0x3, 0x5, 0x7})
  void everyPairTakesTheTablesArcsAndWritesBackTheRequestedState(long flags) {
    List<Expected> table = ExpectedFsmPaths.forFlags(flags);
    Set<String> pairs = new HashSet<>();
    for (Expected e : table) {
      assertThat(STATES.get(flags)).as("%s: a state of the device", e).contains(e.from());
      assertThat(pairs.add(e.from() + " " + e.to())).as("%s listed once", e).isTrue();
      check(e);
    }
    // the table covers every state the device can be in, to every state value
    assertThat(pairs).hasSize(STATES.get(flags).size() * MigrationState.values().length);
  }

  private void check(Expected e) {
    TestMigrationModel model = new TestMigrationModel(e.flags(), IMAGE);
    Host host = Migrations.host(model);
    try (HostProcess p = host.process("vmm")) {
      int dev = Migrations.open(p, host, 0);
      reach(p, dev, model, e.from());
      model.clearRecords();
      Migrations.SetResult r = Migrations.setState(p, dev, e.to().value());
      String what = e.toString();
      assertThat(r.deviceState()).as(what + " device_state written back").isEqualTo(e.to().value());
      if (e.einval()) {
        assertThat(r.ret()).as(what).isEqualTo(Errno.EINVAL.negative());
        assertThat(r.dataFd()).as(what + " data_fd").isEqualTo(-1);
        assertThat(model.arcs()).as(what + " arcs").isEmpty();
        assertThat(Migrations.state(p, dev)).as(what + " state unchanged").isEqualTo(e.from());
        return;
      }
      List<String> arcs = new ArrayList<>();
      MigrationState cur = e.from();
      MigrationState last = e.from();
      for (MigrationState next : e.path()) {
        arcs.add(cur + "->" + next);
        last = cur;
        cur = next;
      }
      assertThat(r.ret()).as(what).isZero();
      assertThat(model.arcs()).as(what + " arcs").containsExactlyElementsOf(arcs);
      assertThat(Migrations.state(p, dev)).as(what + " final state").isEqualTo(e.to());
      boolean fd = !e.path().isEmpty() && ExpectedFsmPaths.opensSession(last, e.to());
      if (fd) {
        assertThat(r.dataFd()).as(what + " data_fd").isGreaterThanOrEqualTo(3);
      } else {
        assertThat(r.dataFd()).as(what + " data_fd").isEqualTo(-1);
      }
    }
  }

  /** Brings the device from RUNNING to {@code s}; RESUMING gets a whole image so it can leave. */
  private static void reach(HostProcess p, int dev, TestMigrationModel model, MigrationState s) {
    if (s == ERROR) {
      model.breakNextArc();
      assertThat(Migrations.setState(p, dev, STOP.value()).ret()).isNegative();
      assertThat(Migrations.state(p, dev)).isEqualTo(ERROR);
      return;
    }
    if (s == RUNNING) {
      return;
    }
    int fd = Migrations.set(p, dev, s);
    if (s == RESUMING) {
      byte[] image = TestMigrationModel.image(IMAGE, 0x11);
      assertThat(Migrations.write(p, fd, image, 0, image.length)).isEqualTo(IMAGE);
    }
  }
}
