package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_iommu_type1_dirty_bitmap_get}: Payload of
 * VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP.
 */
public final class VfioIommuType1DirtyBitmapGet {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_dirty_bitmap_get",
          Layouts.u64("iova"),
          Layouts.u64("size"),
          VfioBitmap.LAYOUT.withName("bitmap"));

  /** {@code sizeof(struct vfio_iommu_type1_dirty_bitmap_get)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  public static final long BITMAP_OFFSET = Field.offset(LAYOUT, "bitmap");

  private VfioIommuType1DirtyBitmapGet() {}
}
