package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_hwpt_set_dirty_tracking}: IOMMU_HWPT_SET_DIRTY_TRACKING argument. */
public final class IommuHwptSetDirtyTracking {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_hwpt_set_dirty_tracking",
          Layouts.u32("size"),
          Layouts.u32("flags"),
          Layouts.u32("hwpt_id"),
          Layouts.u32("__reserved"));

  /** {@code sizeof(struct iommu_hwpt_set_dirty_tracking)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code size} the kernel accepts (offsetofend of its op's last member). */
  public static final long MINSZ = 16;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 HWPT_ID = U32.of(LAYOUT, "hwpt_id");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  private IommuHwptSetDirtyTracking() {}
}
