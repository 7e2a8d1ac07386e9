package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_info}: VFIO_DEVICE_GET_REGION_INFO argument. */
public final class VfioRegionInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_region_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("index"),
          Layouts.u32("cap_offset"),
          Layouts.u64("size"),
          Layouts.u64("offset"));

  /** {@code sizeof(struct vfio_region_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 32;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 INDEX = U32.of(LAYOUT, "index");

  public static final U32 CAP_OFFSET = U32.of(LAYOUT, "cap_offset");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  public static final U64 OFFSET = U64.of(LAYOUT, "offset");

  private VfioRegionInfo() {}
}
