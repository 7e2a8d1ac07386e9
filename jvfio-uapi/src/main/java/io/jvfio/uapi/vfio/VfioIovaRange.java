package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iova_range}: One valid IOVA range of a type1 container (end inclusive). */
public final class VfioIovaRange {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_iova_range", Layouts.u64("start"), Layouts.u64("end"));

  /** {@code sizeof(struct vfio_iova_range)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 START = U64.of(LAYOUT, "start");

  public static final U64 END = U64.of(LAYOUT, "end");

  private VfioIovaRange() {}
}
