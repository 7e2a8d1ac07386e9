package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_spapr_tce_remove}: VFIO_IOMMU_SPAPR_TCE_REMOVE argument. */
public final class VfioIommuSpaprTceRemove {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_spapr_tce_remove",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("start_addr"));

  /** {@code sizeof(struct vfio_iommu_spapr_tce_remove)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 START_ADDR = U64.of(LAYOUT, "start_addr");

  private VfioIommuSpaprTceRemove() {}
}
