package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_gfx_plane_info}: VFIO_DEVICE_QUERY_GFX_PLANE argument. */
public final class VfioDeviceGfxPlaneInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_gfx_plane_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("drm_plane_type"),
          Layouts.u32("drm_format"),
          Layouts.u64("drm_format_mod"),
          Layouts.u32("width"),
          Layouts.u32("height"),
          Layouts.u32("stride"),
          Layouts.u32("size"),
          Layouts.u32("x_pos"),
          Layouts.u32("y_pos"),
          Layouts.u32("x_hot"),
          Layouts.u32("y_hot"),
          Layouts.union(Layouts.u32("region_index"), Layouts.u32("dmabuf_id")),
          Layouts.pad(4));

  /** {@code sizeof(struct vfio_device_gfx_plane_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 DRM_PLANE_TYPE = U32.of(LAYOUT, "drm_plane_type");

  public static final U32 DRM_FORMAT = U32.of(LAYOUT, "drm_format");

  public static final U64 DRM_FORMAT_MOD = U64.of(LAYOUT, "drm_format_mod");

  public static final U32 WIDTH = U32.of(LAYOUT, "width");

  public static final U32 HEIGHT = U32.of(LAYOUT, "height");

  public static final U32 STRIDE = U32.of(LAYOUT, "stride");

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 X_POS = U32.of(LAYOUT, "x_pos");

  public static final U32 Y_POS = U32.of(LAYOUT, "y_pos");

  public static final U32 X_HOT = U32.of(LAYOUT, "x_hot");

  public static final U32 Y_HOT = U32.of(LAYOUT, "y_hot");

  public static final U32 REGION_INDEX = U32.of(LAYOUT, "region_index");

  public static final U32 DMABUF_ID = U32.of(LAYOUT, "dmabuf_id");

  private VfioDeviceGfxPlaneInfo() {}
}
