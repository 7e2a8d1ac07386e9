package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_iova_range}: One IOVA range (last inclusive). */
public final class IommuIovaRange {
  public static final StructLayout LAYOUT =
      Layouts.struct("iommu_iova_range", Layouts.u64("start"), Layouts.u64("last"));

  /** {@code sizeof(struct iommu_iova_range)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 START = U64.of(LAYOUT, "start");

  public static final U64 LAST = U64.of(LAYOUT, "last");

  private IommuIovaRange() {}
}
