package io.jvfio.uapi.vfio;

import java.util.Optional;

/** {@code enum vfio_device_mig_state}: the values are ABI. */
public enum MigrationState {
  ERROR(VfioConstants.VFIO_DEVICE_STATE_ERROR, -1L),
  STOP(VfioConstants.VFIO_DEVICE_STATE_STOP, VfioConstants.VFIO_MIGRATION_STOP_COPY),
  RUNNING(VfioConstants.VFIO_DEVICE_STATE_RUNNING, VfioConstants.VFIO_MIGRATION_STOP_COPY),
  STOP_COPY(VfioConstants.VFIO_DEVICE_STATE_STOP_COPY, VfioConstants.VFIO_MIGRATION_STOP_COPY),
  RESUMING(VfioConstants.VFIO_DEVICE_STATE_RESUMING, VfioConstants.VFIO_MIGRATION_STOP_COPY),
  RUNNING_P2P(
      VfioConstants.VFIO_DEVICE_STATE_RUNNING_P2P,
      VfioConstants.VFIO_MIGRATION_STOP_COPY | VfioConstants.VFIO_MIGRATION_P2P),
  PRE_COPY(
      VfioConstants.VFIO_DEVICE_STATE_PRE_COPY,
      VfioConstants.VFIO_MIGRATION_STOP_COPY | VfioConstants.VFIO_MIGRATION_PRE_COPY),
  PRE_COPY_P2P(
      VfioConstants.VFIO_DEVICE_STATE_PRE_COPY_P2P,
      VfioConstants.VFIO_MIGRATION_STOP_COPY
          | VfioConstants.VFIO_MIGRATION_P2P
          | VfioConstants.VFIO_MIGRATION_PRE_COPY);

  private final int value;
  private final long requiredFlags;

  MigrationState(int value, long requiredFlags) {
    this.value = value;
    this.requiredFlags = requiredFlags;
  }

  /** The uAPI value. */
  public int value() {
    return value;
  }

  /**
   * The migration flags a device needs for this state to exist ({@code state_flags_table}); ERROR
   * needs every bit, so no device "supports" it as a target.
   */
  public long requiredFlags() {
    return requiredFlags;
  }

  /** Whether a device with {@code migrationFlags} has this state. */
  public boolean supportedBy(long migrationFlags) {
    return (requiredFlags & migrationFlags) == requiredFlags;
  }

  /** The state with uAPI value {@code value} (an unsigned u32), if it names one. */
  public static Optional<MigrationState> of(long value) {
    return value >= 0 && value < values().length
        ? Optional.of(values()[(int) value])
        : Optional.empty();
  }

  /** PRE_COPY, PRE_COPY_P2P and STOP_COPY share one saving session. */
  public boolean inSavingGroup() {
    return this == PRE_COPY || this == PRE_COPY_P2P || this == STOP_COPY;
  }
}
