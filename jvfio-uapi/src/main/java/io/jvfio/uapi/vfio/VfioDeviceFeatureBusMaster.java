package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_feature_bus_master}: Payload of VFIO_DEVICE_FEATURE_BUS_MASTER. */
public final class VfioDeviceFeatureBusMaster {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_device_feature_bus_master", Layouts.u32("op"));

  /** {@code sizeof(struct vfio_device_feature_bus_master)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 4;

  public static final U32 OP = U32.of(LAYOUT, "op");

  private VfioDeviceFeatureBusMaster() {}
}
