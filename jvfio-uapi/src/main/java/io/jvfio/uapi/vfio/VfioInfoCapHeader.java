package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U16;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_info_cap_header}: Header of every capability in a VFIO info chain. */
public final class VfioInfoCapHeader {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_info_cap_header", Layouts.u16("id"), Layouts.u16("version"), Layouts.u32("next"));

  /** {@code sizeof(struct vfio_info_cap_header)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U16 ID = U16.of(LAYOUT, "id");

  public static final U16 VERSION = U16.of(LAYOUT, "version");

  public static final U32 NEXT = U32.of(LAYOUT, "next");

  private VfioInfoCapHeader() {}
}
