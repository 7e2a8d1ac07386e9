package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_info_cap_nvlink2_ssatgt}: NVLink2 target address capability. */
public final class VfioRegionInfoCapNvlink2Ssatgt {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_region_info_cap_nvlink2_ssatgt",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u64("tgt"));

  /** {@code sizeof(struct vfio_region_info_cap_nvlink2_ssatgt)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U64 TGT = U64.of(LAYOUT, "tgt");

  private VfioRegionInfoCapNvlink2Ssatgt() {}
}
