package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_feature_mig_data_size}: Payload of VFIO_DEVICE_FEATURE_MIG_DATA_SIZE.
 */
public final class VfioDeviceFeatureMigDataSize {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_device_feature_mig_data_size", Layouts.u64("stop_copy_length"));

  /** {@code sizeof(struct vfio_device_feature_mig_data_size)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U64 STOP_COPY_LENGTH = U64.of(LAYOUT, "stop_copy_length");

  private VfioDeviceFeatureMigDataSize() {}
}
