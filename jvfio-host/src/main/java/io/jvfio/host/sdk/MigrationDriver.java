package io.jvfio.host.sdk;

import io.jvfio.uapi.vfio.MigrationState;

/**
 * The migration half of a device model (Linux's {@code vfio_migration_ops}): it declares its flags
 * and carries out single FSM arcs. The core computes paths, serialises requests, creates and
 * retires the data fds and keeps the state; the driver never sees a combination, an fd or argsz.
 *
 * <p>Arcs that open a session return it: {@code STOP -> STOP_COPY}, {@code RUNNING -> PRE_COPY} and
 * {@code RUNNING_P2P -> PRE_COPY_P2P} return a {@link SavingStream}; {@code STOP -> RESUMING}
 * returns a {@link ResumingStream}. Every other arc returns null. Arcs that end a session (leaving
 * the saving group, {@code RESUMING -> STOP}) are told so by the core closing the stream after the
 * arc succeeds; {@code PRE_COPY[_P2P] -> STOP_COPY} keeps the saving stream, which the driver may
 * extend (it still owns the object it returned).
 */
public interface MigrationDriver {
  /** {@code VFIO_MIGRATION_*} bits; STOP_COPY is mandatory. */
  long migrationFlags();

  /**
   * One arc. Throwing leaves the device in {@code from} (the core commits only successful arcs).
   * {@code RESUMING -> STOP} is where a resumed image is validated: throw to refuse it.
   */
  Session arc(MigrationState from, MigrationState to);

  /** {@code stop_copy_length}: the bytes a STOP_COPY session would produce, in any state. */
  long stopCopyLength();

  /**
   * The migration side of a device reset (and of the device's first open, unless {@link
   * #keepsStateAcrossClose}): the core has put the state back to RUNNING and retired the sessions.
   */
  default void migrationReset() {}

  /**
   * True for a device that keeps its migration state when its last user closes it (Linux's mtty, an
   * mdev); vfio-pci variant drivers restart in RUNNING at open, which is the default.
   */
  default boolean keepsStateAcrossClose() {
    return false;
  }

  /** A data session: what a data fd streams. */
  sealed interface Session permits SavingStream, ResumingStream {
    /** The session ended (the FSM left its state, a reset, or the device closed). */
    default void close() {}
  }
}
