package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_ioas_unmap}: IOMMU_IOAS_UNMAP argument. */
public final class IommuIoasUnmap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_ioas_unmap",
          Layouts.u32("size"),
          Layouts.u32("ioas_id"),
          Layouts.u64("iova"),
          Layouts.u64("length"));

  /** {@code sizeof(struct iommu_ioas_unmap)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 24;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 IOAS_ID = U32.of(LAYOUT, "ioas_id");

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  private IommuIoasUnmap() {}
}
