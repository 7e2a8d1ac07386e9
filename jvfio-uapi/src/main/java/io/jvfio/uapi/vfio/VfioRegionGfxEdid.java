package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_gfx_edid}: EDID region of a virtual display. */
public final class VfioRegionGfxEdid {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_region_gfx_edid",
          Layouts.u32("edid_offset"),
          Layouts.u32("edid_max_size"),
          Layouts.u32("edid_size"),
          Layouts.u32("max_xres"),
          Layouts.u32("max_yres"),
          Layouts.u32("link_state"));

  /** {@code sizeof(struct vfio_region_gfx_edid)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 EDID_OFFSET = U32.of(LAYOUT, "edid_offset");

  public static final U32 EDID_MAX_SIZE = U32.of(LAYOUT, "edid_max_size");

  public static final U32 EDID_SIZE = U32.of(LAYOUT, "edid_size");

  public static final U32 MAX_XRES = U32.of(LAYOUT, "max_xres");

  public static final U32 MAX_YRES = U32.of(LAYOUT, "max_yres");

  public static final U32 LINK_STATE = U32.of(LAYOUT, "link_state");

  private VfioRegionGfxEdid() {}
}
