package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.migration.ExpectedFsmPaths;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FSM against the effective next-step tables of the spec (section 6.5), which were computed
 * from the kernel's table independently of this code. "=" entries are the SET-to-current no-op and
 * are not asked of the helper; "X" is EINVAL.
 */
class MigrationFsmTest {
  private static final Map<Long, String[]> EFFECTIVE =
      Map.of(
          0x1L,
          new String[] {
            "STOP: = RUNNING STOP_COPY RESUMING",
            "RUNNING: STOP = STOP STOP",
            "STOP_COPY: STOP STOP = STOP",
            "RESUMING: STOP STOP STOP =",
          },
          0x3L,
          new String[] {
            "STOP: = RUNNING_P2P STOP_COPY RESUMING RUNNING_P2P",
            "RUNNING: RUNNING_P2P = RUNNING_P2P RUNNING_P2P RUNNING_P2P",
            "STOP_COPY: STOP STOP = STOP STOP",
            "RESUMING: STOP STOP STOP = STOP",
            "RUNNING_P2P: STOP RUNNING STOP STOP =",
          },
          0x5L,
          new String[] {
            "STOP: = RUNNING STOP_COPY RESUMING RUNNING",
            "RUNNING: STOP = STOP STOP PRE_COPY",
            "STOP_COPY: STOP STOP = STOP X",
            "RESUMING: STOP STOP STOP = STOP",
            "PRE_COPY: RUNNING RUNNING STOP_COPY RUNNING =",
          });

  @ParameterizedTest
  @ValueSource(longs = {0x1, 0x3, 0x5})
  void nextStepsEqualTheSpecsEffectiveTables(long flags) {
    List<MigrationState> states = MigrationFsm.states(flags);
    for (String row : EFFECTIVE.get(flags)) {
      String[] parts = row.split(":");
      MigrationState cur = MigrationState.valueOf(parts[0]);
      String[] cells = parts[1].trim().split(" ");
      assertThat(cells).hasSize(states.size());
      for (int i = 0; i < cells.length; i++) {
        MigrationState target = states.get(i);
        switch (cells[i]) {
          case "=" -> assertThat(target).isEqualTo(cur);
          case "X" ->
              assertThatThrownBy(() -> MigrationFsm.nextStep(cur, target, flags))
                  .isInstanceOf(KernelError.class)
                  .extracting(e -> ((KernelError) e).errno())
                  .isEqualTo(Errno.EINVAL);
          default ->
              assertThat(MigrationFsm.nextStep(cur, target, flags))
                  .as("%s -> %s", cur, target)
                  .isEqualTo(MigrationState.valueOf(cells[i]));
        }
      }
    }
  }

  @Test
  void withAllFlagsThePathsAreTheSpecsFullPaths() {
    long all = 0x7;
    assertThat(MigrationFsm.path(STOP, RUNNING, all)).containsExactly(RUNNING_P2P, RUNNING);
    assertThat(MigrationFsm.path(STOP, PRE_COPY, all))
        .containsExactly(RUNNING_P2P, RUNNING, PRE_COPY);
    assertThat(MigrationFsm.path(RUNNING, STOP_COPY, all))
        .containsExactly(RUNNING_P2P, STOP, STOP_COPY);
    assertThat(MigrationFsm.path(PRE_COPY, STOP_COPY, all))
        .containsExactly(PRE_COPY_P2P, STOP_COPY);
    assertThat(MigrationFsm.path(PRE_COPY, RESUMING, all))
        .containsExactly(RUNNING, RUNNING_P2P, STOP, RESUMING);
    assertThat(MigrationFsm.path(RESUMING, PRE_COPY, all))
        .containsExactly(STOP, RUNNING_P2P, RUNNING, PRE_COPY);
    assertThat(MigrationFsm.path(RESUMING, PRE_COPY_P2P, all))
        .containsExactly(STOP, RUNNING_P2P, PRE_COPY_P2P);
    assertThat(MigrationFsm.path(STOP_COPY, RUNNING, all))
        .containsExactly(STOP, RUNNING_P2P, RUNNING);
    assertThat(MigrationFsm.path(PRE_COPY_P2P, RESUMING, all))
        .containsExactly(RUNNING_P2P, STOP, RESUMING);
  }

  private static void assertEinval(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            KernelError.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
  }

  @Test
  void theBlockedArcsAndErrorAreEinvalNeverALoop() {
    for (long flags : new long[] {0x5, 0x7}) {
      for (MigrationState target : List.of(PRE_COPY, PRE_COPY_P2P)) {
        if (!target.supportedBy(flags)) {
          continue;
        }
        assertEinval(() -> MigrationFsm.nextStep(STOP_COPY, target, flags));
      }
    }
    for (MigrationState s : MigrationState.values()) {
      assertEinval(() -> MigrationFsm.nextStep(ERROR, s, 0x7));
      assertEinval(() -> MigrationFsm.nextStep(s, ERROR, 0x7));
    }
    assertEinval(() -> MigrationFsm.nextStep(STOP, RUNNING_P2P, 0x1));
  }

  /** Every line of the hand-derived table: the path, or EINVAL, exactly. */
  @Test
  void pathsAreThoseOfTheHandDerivedTable() {
    List<ExpectedFsmPaths.Expected> table = ExpectedFsmPaths.all();
    assertThat(table).hasSize(5 * 8 + 6 * 8 + 6 * 8 + 8 * 8);
    for (ExpectedFsmPaths.Expected e : table) {
      if (e.einval()) {
        assertEinval(() -> MigrationFsm.path(e.from(), e.to(), e.flags()));
      } else {
        assertThat(MigrationFsm.path(e.from(), e.to(), e.flags()))
            .as(e.toString())
            .containsExactlyElementsOf(e.path());
      }
    }
  }

  /**
   * The uAPI's session arcs are the core's, and in the hand-derived paths a session opens only on
   * the last arc (so a combination SET returns the fd of the session it ends in).
   */
  @Test
  void sessionsOpenOnlyOnTheLastArcOfAnyPath() {
    for (MigrationState from : MigrationState.values()) {
      for (MigrationState to : MigrationState.values()) {
        assertThat(MigrationFsm.opensSession(from, to))
            .as("%s -> %s opens a session", from, to)
            .isEqualTo(ExpectedFsmPaths.opensSession(from, to));
      }
    }
    int opening = 0;
    for (ExpectedFsmPaths.Expected e : ExpectedFsmPaths.all()) {
      MigrationState cur = e.from();
      for (int i = 0; i < e.path().size(); i++) {
        if (ExpectedFsmPaths.opensSession(cur, e.path().get(i))) {
          assertThat(i).as(e.toString()).isEqualTo(e.path().size() - 1);
          opening++;
        }
        cur = e.path().get(i);
      }
    }
    assertThat(opening).as("paths that end in a new session").isPositive();
  }
}
