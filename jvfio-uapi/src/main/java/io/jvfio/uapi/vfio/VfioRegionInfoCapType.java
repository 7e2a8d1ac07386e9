package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_info_cap_type}: Region type capability. */
public final class VfioRegionInfoCapType {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_region_info_cap_type",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u32("type"),
          Layouts.u32("subtype"));

  /** {@code sizeof(struct vfio_region_info_cap_type)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U32 TYPE = U32.of(LAYOUT, "type");

  public static final U32 SUBTYPE = U32.of(LAYOUT, "subtype");

  private VfioRegionInfoCapType() {}
}
