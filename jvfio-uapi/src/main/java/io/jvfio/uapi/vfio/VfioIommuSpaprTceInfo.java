package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_spapr_tce_info}: VFIO_IOMMU_SPAPR_TCE_GET_INFO argument. */
public final class VfioIommuSpaprTceInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_spapr_tce_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("dma32_window_start"),
          Layouts.u32("dma32_window_size"),
          VfioIommuSpaprTceDdwInfo.LAYOUT.withName("ddw"));

  /** {@code sizeof(struct vfio_iommu_spapr_tce_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 DMA32_WINDOW_START = U32.of(LAYOUT, "dma32_window_start");

  public static final U32 DMA32_WINDOW_SIZE = U32.of(LAYOUT, "dma32_window_size");

  public static final long DDW_OFFSET = Field.offset(LAYOUT, "ddw");

  private VfioIommuSpaprTceInfo() {}
}
