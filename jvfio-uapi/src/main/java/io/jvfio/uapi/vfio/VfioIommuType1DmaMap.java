package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_type1_dma_map}: VFIO_IOMMU_MAP_DMA argument. */
public final class VfioIommuType1DmaMap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_dma_map",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("vaddr"),
          Layouts.u64("iova"),
          Layouts.u64("size"));

  /** {@code sizeof(struct vfio_iommu_type1_dma_map)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 32;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 VADDR = U64.of(LAYOUT, "vaddr");

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  private VfioIommuType1DmaMap() {}
}
