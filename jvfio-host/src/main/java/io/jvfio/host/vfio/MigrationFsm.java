package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.ArrayList;
import java.util.List;

/**
 * The migration FSM of the vfio core: the next-step table and the skip loop of {@code
 * vfio_mig_get_next_state}, with the fix that makes the blocked arcs (STOP_COPY to PRE_COPY or
 * PRE_COPY_P2P) EINVAL instead of an endless loop.
 */
public final class MigrationFsm {
  private static final MigrationState[] S = MigrationState.values();

  // TABLE[cur][new] = next single step, by uAPI value; ERROR is the "no way" sentinel
  private static final int[][] TABLE = {
    {0, 0, 0, 0, 0, 0, 0, 0},
    {0, 1, 5, 3, 4, 5, 5, 5},
    {0, 5, 2, 5, 5, 5, 6, 5},
    {0, 1, 1, 3, 1, 1, 0, 0},
    {0, 1, 1, 1, 4, 1, 1, 1},
    {0, 1, 2, 1, 1, 5, 2, 7},
    {0, 2, 2, 7, 2, 2, 6, 7},
    {0, 5, 5, 3, 5, 5, 6, 7},
  };

  private MigrationFsm() {}

  /** The raw table entry for {@code cur -> target} (before optional states are skipped). */
  public static MigrationState rawStep(MigrationState cur, MigrationState target) {
    return S[TABLE[cur.value()][target.value()]];
  }

  /**
   * The next single arc from {@code cur} towards {@code target} on a device with {@code flags};
   * EINVAL when the current state is not one the device has (ERROR), the target is not (ERROR, an
   * absent optional state), or no path exists.
   */
  public static MigrationState nextStep(MigrationState cur, MigrationState target, long flags) {
    if (!cur.supportedBy(flags)) {
      throw new KernelError(Errno.EINVAL, "no arc leaves " + cur);
    }
    if (!target.supportedBy(flags)) {
      throw new KernelError(Errno.EINVAL, target + " is not a state of this device");
    }
    MigrationState next = rawStep(cur, target);
    while (next != ERROR && !next.supportedBy(flags)) {
      next = rawStep(next, target);
    }
    if (next == ERROR) {
      throw new KernelError(Errno.EINVAL, "no path from " + cur + " to " + target);
    }
    return next;
  }

  /** The arcs a SET from {@code from} to {@code to} takes (empty when equal); EINVAL as above. */
  public static List<MigrationState> path(MigrationState from, MigrationState to, long flags) {
    List<MigrationState> arcs = new ArrayList<>();
    MigrationState cur = from;
    while (cur != to) {
      cur = nextStep(cur, to, flags);
      arcs.add(cur);
    }
    return arcs;
  }

  /** The states a device with {@code flags} has (ERROR excluded), in uAPI order. */
  public static List<MigrationState> states(long flags) {
    List<MigrationState> states = new ArrayList<>();
    for (MigrationState s : S) {
      if (s.supportedBy(flags)) {
        states.add(s);
      }
    }
    return states;
  }

  /** True for the arcs that open a data session (and so hand out a data fd). */
  public static boolean opensSession(MigrationState from, MigrationState to) {
    return (from == STOP && (to == STOP_COPY || to == RESUMING))
        || (from == RUNNING && to == PRE_COPY)
        || (from == RUNNING_P2P && to == PRE_COPY_P2P);
  }
}
