package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_migration_info}: The removed v1 migration region header (kept for the
 * ABI record only).
 */
public final class VfioDeviceMigrationInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_migration_info",
          Layouts.u32("device_state"),
          Layouts.u32("reserved"),
          Layouts.u64("pending_bytes"),
          Layouts.u64("data_offset"),
          Layouts.u64("data_size"));

  /** {@code sizeof(struct vfio_device_migration_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 DEVICE_STATE = U32.of(LAYOUT, "device_state");

  public static final U32 RESERVED = U32.of(LAYOUT, "reserved");

  public static final U64 PENDING_BYTES = U64.of(LAYOUT, "pending_bytes");

  public static final U64 DATA_OFFSET = U64.of(LAYOUT, "data_offset");

  public static final U64 DATA_SIZE = U64.of(LAYOUT, "data_size");

  private VfioDeviceMigrationInfo() {}
}
