package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_ioas_copy}: IOMMU_IOAS_COPY argument. */
public final class IommuIoasCopy {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_ioas_copy",
          Layouts.u32("size"),
          Layouts.u32("flags"),
          Layouts.u32("dst_ioas_id"),
          Layouts.u32("src_ioas_id"),
          Layouts.u64("length"),
          Layouts.u64("dst_iova"),
          Layouts.u64("src_iova"));

  /** {@code sizeof(struct iommu_ioas_copy)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 40;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 DST_IOAS_ID = U32.of(LAYOUT, "dst_ioas_id");

  public static final U32 SRC_IOAS_ID = U32.of(LAYOUT, "src_ioas_id");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  public static final U64 DST_IOVA = U64.of(LAYOUT, "dst_iova");

  public static final U64 SRC_IOVA = U64.of(LAYOUT, "src_iova");

  private IommuIoasCopy() {}
}
