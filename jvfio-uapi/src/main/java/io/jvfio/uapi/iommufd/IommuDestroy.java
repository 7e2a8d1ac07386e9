package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_destroy}: IOMMU_DESTROY argument. */
public final class IommuDestroy {
  public static final StructLayout LAYOUT =
      Layouts.struct("iommu_destroy", Layouts.u32("size"), Layouts.u32("id"));

  /** {@code sizeof(struct iommu_destroy)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 ID = U32.of(LAYOUT, "id");

  private IommuDestroy() {}
}
