package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_ioas_alloc}: IOMMU_IOAS_ALLOC argument. */
public final class IommuIoasAlloc {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_ioas_alloc",
          Layouts.u32("size"),
          Layouts.u32("flags"),
          Layouts.u32("out_ioas_id"));

  /** {@code sizeof(struct iommu_ioas_alloc)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 12;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 OUT_IOAS_ID = U32.of(LAYOUT, "out_ioas_id");

  private IommuIoasAlloc() {}
}
