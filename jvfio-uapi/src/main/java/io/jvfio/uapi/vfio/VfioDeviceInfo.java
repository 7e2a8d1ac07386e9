package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_info}: VFIO_DEVICE_GET_INFO argument (mainline adds the trailing pad).
 */
public final class VfioDeviceInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("num_regions"),
          Layouts.u32("num_irqs"),
          Layouts.u32("cap_offset"),
          Layouts.u32("pad"));

  /** {@code sizeof(struct vfio_device_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 16;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 NUM_REGIONS = U32.of(LAYOUT, "num_regions");

  public static final U32 NUM_IRQS = U32.of(LAYOUT, "num_irqs");

  public static final U32 CAP_OFFSET = U32.of(LAYOUT, "cap_offset");

  public static final U32 PAD = U32.of(LAYOUT, "pad");

  private VfioDeviceInfo() {}
}
