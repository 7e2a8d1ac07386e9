package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_type1_dma_unmap}: VFIO_IOMMU_UNMAP_DMA argument. */
public final class VfioIommuType1DmaUnmap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_dma_unmap",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("iova"),
          Layouts.u64("size"),
          Layouts.flex("data", Layouts.U8));

  /** {@code sizeof(struct vfio_iommu_type1_dma_unmap)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 24;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  public static final long DATA_OFFSET = Field.offset(LAYOUT, "data");

  private VfioIommuType1DmaUnmap() {}
}
