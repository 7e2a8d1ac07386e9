package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_ioas_allow_iovas}: IOMMU_IOAS_ALLOW_IOVAS argument. */
public final class IommuIoasAllowIovas {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_ioas_allow_iovas",
          Layouts.u32("size"),
          Layouts.u32("ioas_id"),
          Layouts.u32("num_iovas"),
          Layouts.u32("__reserved"),
          Layouts.u64("allowed_iovas"));

  /** {@code sizeof(struct iommu_ioas_allow_iovas)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 24;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 IOAS_ID = U32.of(LAYOUT, "ioas_id");

  public static final U32 NUM_IOVAS = U32.of(LAYOUT, "num_iovas");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 ALLOWED_IOVAS = U64.of(LAYOUT, "allowed_iovas");

  private IommuIoasAllowIovas() {}
}
