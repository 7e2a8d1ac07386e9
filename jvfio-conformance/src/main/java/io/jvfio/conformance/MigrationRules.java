package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

/**
 * What user space must see when it asks a device with some migration flags to go from one state to
 * another, stated from the uAPI's rules (linux-migration.md §4-§6, include/uapi/linux/vfio.h's FSM
 * description, vfio_main.c {@code vfio_mig_get_next_state}), not from any implementation's table:
 *
 * <ul>
 *   <li>a state exists for a device when the device has every flag the state needs (STOP, RUNNING,
 *       STOP_COPY, RESUMING: STOP_COPY; RUNNING_P2P: +P2P; PRE_COPY: +PRE_COPY; PRE_COPY_P2P:
 *       both); ERROR and values from 8 on exist for none;
 *   <li>asking for the current state succeeds and changes nothing;
 *   <li>asking for a state that does not exist is EINVAL, and so is leaving STOP_COPY for PRE_COPY
 *       or PRE_COPY_P2P (a saving session cannot go back to pre-copy); every other request between
 *       existing states succeeds, since the arcs connect them all;
 *   <li>a failed request leaves the state as it was (the refusal comes before any arc);
 *   <li>a data fd comes back exactly when a new session starts: entering RESUMING, or entering the
 *       saving group (PRE_COPY, PRE_COPY_P2P, STOP_COPY) from outside it; moving inside the group
 *       keeps the session and its fd;
 *   <li>the SET's payload always comes back holding the state asked for, never the real one.
 * </ul>
 */
final class MigrationRules {
  private MigrationRules() {}

  /** The answer the rules demand for one SET. */
  record Expected(boolean ok, int stateAfter, boolean fd) {
    /** Written like {@link #describe}'s actual, so the two can be compared as text. */
    String text(int requested) {
      return describe(ok ? Outcome.OK : "EINVAL", requested, stateAfter, fd);
    }
  }

  static String describe(String ret, int echoed, int stateAfter, boolean fd) {
    return ret
        + ", echoes "
        + name(echoed)
        + ", GET "
        + name(stateAfter)
        + ", "
        + (fd ? "data fd" : "no data fd");
  }

  static long needs(int state) {
    return switch (state) {
      case VFIO_DEVICE_STATE_STOP,
          VFIO_DEVICE_STATE_RUNNING,
          VFIO_DEVICE_STATE_STOP_COPY,
          VFIO_DEVICE_STATE_RESUMING ->
          VFIO_MIGRATION_STOP_COPY;
      case VFIO_DEVICE_STATE_RUNNING_P2P -> VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
      case VFIO_DEVICE_STATE_PRE_COPY -> VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
      case VFIO_DEVICE_STATE_PRE_COPY_P2P ->
          VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY;
      default -> -1L; // ERROR and unknown values: every bit, which no device has
    };
  }

  static boolean exists(long flags, int state) {
    long n = needs(state);
    return n != -1L && (flags & n) == n;
  }

  static boolean saving(int state) {
    return state == VFIO_DEVICE_STATE_STOP_COPY
        || state == VFIO_DEVICE_STATE_PRE_COPY
        || state == VFIO_DEVICE_STATE_PRE_COPY_P2P;
  }

  /**
   * The answer to SET {@code to} from {@code from} (which exists) on a device with {@code flags}.
   */
  static Expected set(long flags, int from, int to) {
    if (from == to) {
      return new Expected(true, from, false);
    }
    boolean backToPreCopy =
        from == VFIO_DEVICE_STATE_STOP_COPY
            && (to == VFIO_DEVICE_STATE_PRE_COPY || to == VFIO_DEVICE_STATE_PRE_COPY_P2P);
    if (!exists(flags, to) || backToPreCopy) {
      return new Expected(false, from, false);
    }
    boolean newSession = to == VFIO_DEVICE_STATE_RESUMING || (saving(to) && !saving(from));
    return new Expected(true, to, newSession);
  }

  static String name(int state) {
    return switch (state) {
      case VFIO_DEVICE_STATE_ERROR -> "ERROR";
      case VFIO_DEVICE_STATE_STOP -> "STOP";
      case VFIO_DEVICE_STATE_RUNNING -> "RUNNING";
      case VFIO_DEVICE_STATE_STOP_COPY -> "STOP_COPY";
      case VFIO_DEVICE_STATE_RESUMING -> "RESUMING";
      case VFIO_DEVICE_STATE_RUNNING_P2P -> "RUNNING_P2P";
      case VFIO_DEVICE_STATE_PRE_COPY -> "PRE_COPY";
      case VFIO_DEVICE_STATE_PRE_COPY_P2P -> "PRE_COPY_P2P";
      default -> "state " + state;
    };
  }
}
