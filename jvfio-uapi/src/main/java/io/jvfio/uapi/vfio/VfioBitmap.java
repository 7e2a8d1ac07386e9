package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_bitmap}: A user bitmap for dirty page reporting. */
public final class VfioBitmap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_bitmap", Layouts.u64("pgsize"), Layouts.u64("size"), Layouts.u64("data"));

  /** {@code sizeof(struct vfio_bitmap)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 PGSIZE = U64.of(LAYOUT, "pgsize");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  public static final U64 DATA = U64.of(LAYOUT, "data");

  private VfioBitmap() {}
}
