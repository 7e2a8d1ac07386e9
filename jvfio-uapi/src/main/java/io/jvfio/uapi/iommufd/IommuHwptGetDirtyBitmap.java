package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct iommu_hwpt_get_dirty_bitmap}: IOMMU_HWPT_GET_DIRTY_BITMAP argument: bit {@code i}
 * of the u64 array at {@code data} stands for the page {@code iova + i * page_size}.
 */
public final class IommuHwptGetDirtyBitmap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_hwpt_get_dirty_bitmap",
          Layouts.u32("size"),
          Layouts.u32("hwpt_id"),
          Layouts.u32("flags"),
          Layouts.u32("__reserved"),
          Layouts.u64("iova"),
          Layouts.u64("length"),
          Layouts.u64("page_size"),
          Layouts.u64("data"));

  /** {@code sizeof(struct iommu_hwpt_get_dirty_bitmap)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code size} the kernel accepts (offsetofend of its op's last member). */
  public static final long MINSZ = 48;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 HWPT_ID = U32.of(LAYOUT, "hwpt_id");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  public static final U64 PAGE_SIZE = U64.of(LAYOUT, "page_size");

  public static final U64 DATA = U64.of(LAYOUT, "data");

  private IommuHwptGetDirtyBitmap() {}
}
