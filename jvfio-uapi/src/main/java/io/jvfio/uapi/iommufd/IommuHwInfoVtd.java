package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct iommu_hw_info_vtd}: the Intel VT-d data IOMMU_GET_HW_INFO writes at {@code
 * data_uptr} (its capability and extended capability registers).
 */
public final class IommuHwInfoVtd {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_hw_info_vtd",
          Layouts.u32("flags"),
          Layouts.u32("__reserved"),
          Layouts.u64("cap_reg"),
          Layouts.u64("ecap_reg"));

  /** {@code sizeof(struct iommu_hw_info_vtd)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 CAP_REG = U64.of(LAYOUT, "cap_reg");

  public static final U64 ECAP_REG = U64.of(LAYOUT, "ecap_reg");

  private IommuHwInfoVtd() {}
}
