package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_precopy_info}: VFIO_MIG_GET_PRECOPY_INFO argument (on a saving data fd). */
public final class VfioPrecopyInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_precopy_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("initial_bytes"),
          Layouts.u64("dirty_bytes"));

  /** {@code sizeof(struct vfio_precopy_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 24;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 INITIAL_BYTES = U64.of(LAYOUT, "initial_bytes");

  public static final U64 DIRTY_BYTES = U64.of(LAYOUT, "dirty_bytes");

  private VfioPrecopyInfo() {}
}
