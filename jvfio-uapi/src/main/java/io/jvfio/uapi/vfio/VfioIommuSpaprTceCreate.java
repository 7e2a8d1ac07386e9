package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_spapr_tce_create}: VFIO_IOMMU_SPAPR_TCE_CREATE argument. */
public final class VfioIommuSpaprTceCreate {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_spapr_tce_create",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("page_shift"),
          Layouts.u32("__resv1"),
          Layouts.u64("window_size"),
          Layouts.u32("levels"),
          Layouts.u32("__resv2"),
          Layouts.u64("start_addr"));

  /** {@code sizeof(struct vfio_iommu_spapr_tce_create)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 PAGE_SHIFT = U32.of(LAYOUT, "page_shift");

  public static final U32 RESV1 = U32.of(LAYOUT, "__resv1");

  public static final U64 WINDOW_SIZE = U64.of(LAYOUT, "window_size");

  public static final U32 LEVELS = U32.of(LAYOUT, "levels");

  public static final U32 RESV2 = U32.of(LAYOUT, "__resv2");

  public static final U64 START_ADDR = U64.of(LAYOUT, "start_addr");

  private VfioIommuSpaprTceCreate() {}
}
