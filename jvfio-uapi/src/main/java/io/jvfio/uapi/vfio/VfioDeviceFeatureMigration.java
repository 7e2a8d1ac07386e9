package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_feature_migration}: Payload of VFIO_DEVICE_FEATURE_MIGRATION. */
public final class VfioDeviceFeatureMigration {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_device_feature_migration", Layouts.u64("flags"));

  /** {@code sizeof(struct vfio_device_feature_migration)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U64 FLAGS = U64.of(LAYOUT, "flags");

  private VfioDeviceFeatureMigration() {}
}
