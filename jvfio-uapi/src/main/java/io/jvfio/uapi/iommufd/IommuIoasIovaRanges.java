package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_ioas_iova_ranges}: IOMMU_IOAS_IOVA_RANGES argument. */
public final class IommuIoasIovaRanges {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_ioas_iova_ranges",
          Layouts.u32("size"),
          Layouts.u32("ioas_id"),
          Layouts.u32("num_iovas"),
          Layouts.u32("__reserved"),
          Layouts.u64("allowed_iovas"),
          Layouts.u64("out_iova_alignment"));

  /** {@code sizeof(struct iommu_ioas_iova_ranges)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 32;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 IOAS_ID = U32.of(LAYOUT, "ioas_id");

  public static final U32 NUM_IOVAS = U32.of(LAYOUT, "num_iovas");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 ALLOWED_IOVAS = U64.of(LAYOUT, "allowed_iovas");

  public static final U64 OUT_IOVA_ALIGNMENT = U64.of(LAYOUT, "out_iova_alignment");

  private IommuIoasIovaRanges() {}
}
