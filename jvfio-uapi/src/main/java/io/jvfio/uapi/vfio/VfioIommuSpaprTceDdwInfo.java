package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_spapr_tce_ddw_info}: sPAPR dynamic DMA window info. */
public final class VfioIommuSpaprTceDdwInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_spapr_tce_ddw_info",
          Layouts.u64("pgsizes"),
          Layouts.u32("max_dynamic_windows_supported"),
          Layouts.u32("levels"));

  /** {@code sizeof(struct vfio_iommu_spapr_tce_ddw_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 PGSIZES = U64.of(LAYOUT, "pgsizes");

  public static final U32 MAX_DYNAMIC_WINDOWS_SUPPORTED =
      U32.of(LAYOUT, "max_dynamic_windows_supported");

  public static final U32 LEVELS = U32.of(LAYOUT, "levels");

  private VfioIommuSpaprTceDdwInfo() {}
}
