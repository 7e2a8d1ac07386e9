package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import io.jvfio.uapi.layout.U8;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct iommu_hw_info}: IOMMU_GET_HW_INFO argument, as Linux 6.12.117 (the lab's kernel;
 * its header checked by gcc in scripts/lab-check) and mainline have it: offset 28 is {@code u8
 * out_max_pasid_log2} (an output) and {@code u8 __reserved[3]}, which must be 0. (Mainline also
 * makes {@code out_data_type} a union with an input {@code in_data_type}, used only with a flag
 * 6.12 does not know.)
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
          Layouts.u8("out_max_pasid_log2"),
          Layouts.array("__reserved", 3, Layouts.U8),
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

  /** log2 of the device's PASID count; 0 when it has none (the kernel always writes it). */
  public static final U8 OUT_MAX_PASID_LOG2 = U8.of(LAYOUT, "out_max_pasid_log2");

  /** Offset of {@code __reserved[0]}; the three bytes must be 0 or the call is EOPNOTSUPP. */
  public static final long RESERVED_OFFSET = Field.offset(LAYOUT, "__reserved");

  public static final int RESERVED_BYTES = 3;

  public static final U64 OUT_CAPABILITIES = U64.of(LAYOUT, "out_capabilities");

  /** Whether {@code __reserved[0..2]} are all 0, as iommufd_get_hw_info requires. */
  public static boolean reservedClear(MemorySegment s) {
    for (int i = 0; i < RESERVED_BYTES; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, RESERVED_OFFSET + i) != 0) {
        return false;
      }
    }
    return true;
  }

  private IommuHwInfo() {}
}
