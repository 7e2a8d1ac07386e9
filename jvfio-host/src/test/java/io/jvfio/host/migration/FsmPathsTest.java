package io.jvfio.host.migration;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every (from, to) pair of states, ERROR included, for the four flag sets, through the syscall
 * layer: the arcs the model is asked for, the errno and the write-back equal what the spec's
 * algorithm (section 6, re-implemented here from the spec's table) gives.
 */
class FsmPathsTest {
  // the spec's table (section 6.2), by uAPI value: ERR STOP RUN SCOPY RESUM RP2P PCOPY PCP2P
  private static final int[][] SPEC_TABLE = {
    {0, 0, 0, 0, 0, 0, 0, 0},
    {0, 1, 5, 3, 4, 5, 5, 5},
    {0, 5, 2, 5, 5, 5, 6, 5},
    {0, 1, 1, 3, 1, 1, 0, 0},
    {0, 1, 1, 1, 4, 1, 1, 1},
    {0, 1, 2, 1, 1, 5, 2, 7},
    {0, 2, 2, 7, 2, 2, 6, 7},
    {0, 5, 5, 3, 5, 5, 6, 7},
  };
  private static final long[] REQUIRED = {~0L, 0x1, 0x1, 0x1, 0x1, 0x3, 0x5, 0x7};
  private static final int IMAGE = 64;

  private static boolean has(long flags, int state) {
    return (REQUIRED[state] & flags) == REQUIRED[state];
  }

  /** The spec's walk (6.3 with the fix of 6.4): the arcs, or empty for EINVAL. */
  private static Optional<List<MigrationState>> oracle(long flags, int from, int to) {
    List<MigrationState> arcs = new ArrayList<>();
    if (from == to) {
      return Optional.of(arcs);
    }
    int cur = from;
    while (cur != to) {
      if (!has(flags, cur) || !has(flags, to)) {
        return Optional.empty();
      }
      int next = SPEC_TABLE[cur][to];
      while (next != 0 && !has(flags, next)) {
        next = SPEC_TABLE[next][to];
      }
      if (next == 0) {
        return Optional.empty();
      }
      arcs.add(MigrationState.values()[next]);
      cur = next;
    }
    return Optional.of(arcs);
  }

  private static boolean opensSession(MigrationState from, MigrationState to) {
    return (from == STOP && (to == STOP_COPY || to == RESUMING))
        || (from == RUNNING && to == PRE_COPY)
        || (from == RUNNING_P2P && to == PRE_COPY_P2P);
  }

  private static List<MigrationState> states(long flags) {
    List<MigrationState> states = new ArrayList<>();
    for (MigrationState s : MigrationState.values()) {
      if (s == ERROR || has(flags, s.value())) {
        states.add(s);
      }
    }
    return states;
  }

  @ParameterizedTest
  @ValueSource(longs = {0x1, 0x3, 0x5, 0x7})
  void everyPairTakesTheSpecsArcsAndWritesBackTheRequestedState(long flags) {
    int pairs = 0;
    for (MigrationState from : states(flags)) {
      for (MigrationState to : states(flags)) {
        check(flags, from, to);
        pairs++;
      }
    }
    int n = Long.bitCount(flags) == 1 ? 4 : Long.bitCount(flags) == 2 ? 5 : 7;
    assertThat(pairs).isEqualTo((n + 1) * (n + 1));
  }

  private void check(long flags, MigrationState from, MigrationState to) {
    TestMigrationModel model = new TestMigrationModel(flags, IMAGE);
    Host host = Mig.host(model);
    try (HostProcess p = host.process("vmm")) {
      int dev = Mig.open(p, host, 0);
      reach(p, dev, model, from);
      model.clearRecords();
      Mig.SetResult r = Mig.setState(p, dev, to.value());
      String what = String.format("0x%x %s -> %s", flags, from, to);
      Optional<List<MigrationState>> expected = oracle(flags, from.value(), to.value());
      assertThat(r.deviceState()).as(what + " device_state written back").isEqualTo(to.value());
      if (expected.isEmpty()) {
        assertThat(r.ret()).as(what).isEqualTo(Errno.EINVAL.negative());
        assertThat(r.dataFd()).as(what + " data_fd").isEqualTo(-1);
        assertThat(model.arcs()).as(what + " arcs").isEmpty();
        assertThat(Mig.state(p, dev)).as(what + " state unchanged").isEqualTo(from);
        return;
      }
      List<String> arcs = new ArrayList<>();
      MigrationState cur = from;
      for (MigrationState next : expected.get()) {
        arcs.add(cur + "->" + next);
        cur = next;
      }
      assertThat(r.ret()).as(what).isZero();
      assertThat(model.arcs()).as(what + " arcs").containsExactlyElementsOf(arcs);
      assertThat(Mig.state(p, dev)).as(what + " final state").isEqualTo(to);
      boolean fd =
          !expected.get().isEmpty()
              && opensSession(
                  expected.get().size() == 1 ? from : expected.get().get(expected.get().size() - 2),
                  to);
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
      assertThat(Mig.setState(p, dev, STOP.value()).ret()).isNegative();
      assertThat(Mig.state(p, dev)).isEqualTo(ERROR);
      return;
    }
    if (s == RUNNING) {
      return;
    }
    int fd = Mig.set(p, dev, s);
    if (s == RESUMING) {
      byte[] image = TestMigrationModel.image(IMAGE, 0x11);
      assertThat(Mig.write(p, fd, image, 0, image.length)).isEqualTo(IMAGE);
    }
  }
}
