package io.jvfio.host.sdk;

import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;

import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** The single FSM arcs a driver must implement for its migration flags (Linux's table comment). */
public final class MigrationArcs {
  private MigrationArcs() {}

  /** One single arc. */
  public record Arc(MigrationState from, MigrationState to) {
    @Override
    public String toString() {
      return from + " -> " + to;
    }
  }

  /** The flag sets a device can declare: STOP_COPY with any of P2P and PRE_COPY. */
  public static boolean validFlags(long flags) {
    long known =
        VfioConstants.VFIO_MIGRATION_STOP_COPY
            | VfioConstants.VFIO_MIGRATION_P2P
            | VfioConstants.VFIO_MIGRATION_PRE_COPY;
    return (flags & VfioConstants.VFIO_MIGRATION_STOP_COPY) != 0 && (flags & ~known) == 0;
  }

  /**
   * Exactly the arcs the core can ask of a device with {@code flags} (0x1, 0x3, 0x5 or 0x7): those
   * and no others appear in the paths the FSM computes.
   */
  public static Set<Arc> required(long flags) {
    if (!validFlags(flags)) {
      throw new IllegalArgumentException("migration flags 0x" + Long.toHexString(flags));
    }
    boolean p2p = (flags & VfioConstants.VFIO_MIGRATION_P2P) != 0;
    boolean preCopy = (flags & VfioConstants.VFIO_MIGRATION_PRE_COPY) != 0;
    Set<Arc> arcs = new LinkedHashSet<>();
    add(arcs, RESUMING, STOP);
    add(arcs, STOP, RESUMING);
    add(arcs, STOP, STOP_COPY);
    add(arcs, STOP_COPY, STOP);
    if (p2p) {
      add(arcs, RUNNING, RUNNING_P2P);
      add(arcs, RUNNING_P2P, RUNNING);
      add(arcs, RUNNING_P2P, STOP);
      add(arcs, STOP, RUNNING_P2P);
    } else {
      add(arcs, RUNNING, STOP);
      add(arcs, STOP, RUNNING);
    }
    if (preCopy) {
      add(arcs, RUNNING, PRE_COPY);
      add(arcs, PRE_COPY, RUNNING);
      if (p2p) {
        add(arcs, PRE_COPY, PRE_COPY_P2P);
        add(arcs, PRE_COPY_P2P, PRE_COPY);
        add(arcs, PRE_COPY_P2P, RUNNING_P2P);
        add(arcs, PRE_COPY_P2P, STOP_COPY);
        add(arcs, RUNNING_P2P, PRE_COPY_P2P);
      } else {
        add(arcs, PRE_COPY, STOP_COPY);
      }
    }
    return Collections.unmodifiableSet(arcs);
  }

  /** The arcs that open a data session: three saving ones and STOP to RESUMING. */
  public static boolean opensSession(MigrationState from, MigrationState to) {
    return (from == STOP && (to == STOP_COPY || to == RESUMING))
        || (from == RUNNING && to == PRE_COPY)
        || (from == RUNNING_P2P && to == PRE_COPY_P2P);
  }

  private static void add(Set<Arc> arcs, MigrationState from, MigrationState to) {
    arcs.add(new Arc(from, to));
  }
}
