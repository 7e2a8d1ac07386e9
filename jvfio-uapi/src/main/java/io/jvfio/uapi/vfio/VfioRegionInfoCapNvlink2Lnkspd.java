package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_info_cap_nvlink2_lnkspd}: NVLink2 link speed capability. */
public final class VfioRegionInfoCapNvlink2Lnkspd {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_region_info_cap_nvlink2_lnkspd",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u32("link_speed"),
          Layouts.u32("__pad"));

  /** {@code sizeof(struct vfio_region_info_cap_nvlink2_lnkspd)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U32 LINK_SPEED = U32.of(LAYOUT, "link_speed");

  public static final U32 PAD = U32.of(LAYOUT, "__pad");

  private VfioRegionInfoCapNvlink2Lnkspd() {}
}
