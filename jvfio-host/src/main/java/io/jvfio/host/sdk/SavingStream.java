package io.jvfio.host.sdk;

import java.lang.foreign.MemorySegment;

/** The device state stream of a saving session (PRE_COPY, PRE_COPY_P2P, STOP_COPY). */
public non-sealed interface SavingStream extends MigrationDriver.Session {
  /**
   * Copies the next stream bytes into {@code dst} (at most its size) and returns how many. At the
   * permanent end (STOP_COPY, everything delivered) return 0. At a temporary end in PRE_COPY, the
   * model chooses as Linux drivers do: return 0 (mtty) or throw ENOMSG (mlx5, virtio).
   */
  long read(MemorySegment dst);

  /** {@code initial_bytes} and {@code dirty_bytes} relative to what was read so far. */
  PrecopyInfo precopyInfo();

  /** Whether a read would return data or the end right now (poll readiness). */
  default boolean readable() {
    return true;
  }

  /**
   * What VFIO_MIG_GET_PRECOPY_INFO reports: the initial part not yet read, the dirty estimate, and
   * whether new initial data appeared (REINIT, reported only to callers that opted into v2).
   */
  record PrecopyInfo(long initialBytes, long dirtyBytes, boolean reinit) {
    public PrecopyInfo(long initialBytes, long dirtyBytes) {
      this(initialBytes, dirtyBytes, false);
    }
  }
}
