package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_type1_dirty_bitmap}: VFIO_IOMMU_DIRTY_PAGES argument. */
public final class VfioIommuType1DirtyBitmap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_dirty_bitmap",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.flex("data", Layouts.U8));

  /** {@code sizeof(struct vfio_iommu_type1_dirty_bitmap)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final long DATA_OFFSET = Field.offset(LAYOUT, "data");

  private VfioIommuType1DirtyBitmap() {}
}
