package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_feature_mig_state}: Payload of VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE.
 */
public final class VfioDeviceFeatureMigState {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_feature_mig_state", Layouts.u32("device_state"), Layouts.s32("data_fd"));

  /** {@code sizeof(struct vfio_device_feature_mig_state)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U32 DEVICE_STATE = U32.of(LAYOUT, "device_state");

  public static final U32 DATA_FD = U32.of(LAYOUT, "data_fd");

  private VfioDeviceFeatureMigState() {}
}
