package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_ioeventfd}: VFIO_DEVICE_IOEVENTFD argument. */
public final class VfioDeviceIoeventfd {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_ioeventfd",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("offset"),
          Layouts.u64("data"),
          Layouts.s32("fd"),
          Layouts.pad(4));

  /** {@code sizeof(struct vfio_device_ioeventfd)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 OFFSET = U64.of(LAYOUT, "offset");

  public static final U64 DATA = U64.of(LAYOUT, "data");

  public static final U32 FD = U32.of(LAYOUT, "fd");

  private VfioDeviceIoeventfd() {}
}
