package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U16;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_vfio_ioas}: IOMMU_VFIO_IOAS argument. */
public final class IommuVfioIoas {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_vfio_ioas",
          Layouts.u32("size"),
          Layouts.u32("ioas_id"),
          Layouts.u16("op"),
          Layouts.u16("__reserved"));

  /** {@code sizeof(struct iommu_vfio_ioas)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 12;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 IOAS_ID = U32.of(LAYOUT, "ioas_id");

  public static final U16 OP = U16.of(LAYOUT, "op");

  public static final U16 RESERVED = U16.of(LAYOUT, "__reserved");

  private IommuVfioIoas() {}
}
