package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct iommu_hwpt_alloc}: IOMMU_HWPT_ALLOC argument (with the {@code fault_id} tail of
 * Linux 6.11 and later).
 */
public final class IommuHwptAlloc {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_hwpt_alloc",
          Layouts.u32("size"),
          Layouts.u32("flags"),
          Layouts.u32("dev_id"),
          Layouts.u32("pt_id"),
          Layouts.u32("out_hwpt_id"),
          Layouts.u32("__reserved"),
          Layouts.u32("data_type"),
          Layouts.u32("data_len"),
          Layouts.u64("data_uptr"),
          Layouts.u32("fault_id"),
          Layouts.u32("__reserved2"));

  /** {@code sizeof(struct iommu_hwpt_alloc)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code size} the kernel accepts (offsetofend of its op's last member). */
  public static final long MINSZ = 24;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 DEV_ID = U32.of(LAYOUT, "dev_id");

  public static final U32 PT_ID = U32.of(LAYOUT, "pt_id");

  public static final U32 OUT_HWPT_ID = U32.of(LAYOUT, "out_hwpt_id");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U32 DATA_TYPE = U32.of(LAYOUT, "data_type");

  public static final U32 DATA_LEN = U32.of(LAYOUT, "data_len");

  public static final U64 DATA_UPTR = U64.of(LAYOUT, "data_uptr");

  public static final U32 FAULT_ID = U32.of(LAYOUT, "fault_id");

  public static final U32 RESERVED2 = U32.of(LAYOUT, "__reserved2");

  private IommuHwptAlloc() {}
}
