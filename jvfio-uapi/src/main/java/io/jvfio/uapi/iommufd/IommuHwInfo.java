package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct iommu_hw_info}: IOMMU_GET_HW_INFO argument, as Linux 6.12 has it (later kernels
 * split {@code __reserved} into {@code out_max_pasid_log2} and three reserved bytes).
 */
public final class IommuHwInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_hw_info",
          Layouts.u32("size"),
          Layouts.u32("flags"),
          Layouts.u32("dev_id"),
          Layouts.u32("data_len"),
          Layouts.u64("data_uptr"),
          Layouts.u32("out_data_type"),
          Layouts.u32("__reserved"),
          Layouts.u64("out_capabilities"));

  /** {@code sizeof(struct iommu_hw_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code size} the kernel accepts (offsetofend of its op's last member). */
  public static final long MINSZ = 32;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 DEV_ID = U32.of(LAYOUT, "dev_id");

  public static final U32 DATA_LEN = U32.of(LAYOUT, "data_len");

  public static final U64 DATA_UPTR = U64.of(LAYOUT, "data_uptr");

  public static final U32 OUT_DATA_TYPE = U32.of(LAYOUT, "out_data_type");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 OUT_CAPABILITIES = U64.of(LAYOUT, "out_capabilities");

  private IommuHwInfo() {}
}
