package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_iommu_type1_info_dma_avail}: DMA mappings-available capability of
 * VFIO_IOMMU_GET_INFO.
 */
public final class VfioIommuType1InfoDmaAvail {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_info_dma_avail",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u32("avail"));

  /** {@code sizeof(struct vfio_iommu_type1_info_dma_avail)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U32 AVAIL = U32.of(LAYOUT, "avail");

  private VfioIommuType1InfoDmaAvail() {}
}
