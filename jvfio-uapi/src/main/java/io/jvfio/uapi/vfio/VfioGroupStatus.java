package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_group_status}: VFIO_GROUP_GET_STATUS argument. */
public final class VfioGroupStatus {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_group_status", Layouts.u32("argsz"), Layouts.u32("flags"));

  /** {@code sizeof(struct vfio_group_status)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  private VfioGroupStatus() {}
}
