package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_iommu_type1_info_cap_iova_range}: IOVA range capability of
 * VFIO_IOMMU_GET_INFO.
 */
public final class VfioIommuType1InfoCapIovaRange {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_info_cap_iova_range",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u32("nr_iovas"),
          Layouts.u32("reserved"),
          Layouts.flex("iova_ranges", VfioIovaRange.LAYOUT));

  /** {@code sizeof(struct vfio_iommu_type1_info_cap_iova_range)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U32 NR_IOVAS = U32.of(LAYOUT, "nr_iovas");

  public static final U32 RESERVED = U32.of(LAYOUT, "reserved");

  public static final long IOVA_RANGES_OFFSET = Field.offset(LAYOUT, "iova_ranges");

  private VfioIommuType1InfoCapIovaRange() {}
}
