package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_bind_iommufd}: VFIO_DEVICE_BIND_IOMMUFD argument. */
public final class VfioDeviceBindIommufd {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_bind_iommufd",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.s32("iommufd"),
          Layouts.u32("out_devid"),
          Layouts.u64("token_uuid_ptr"));

  /** {@code sizeof(struct vfio_device_bind_iommufd)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 16;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 IOMMUFD = U32.of(LAYOUT, "iommufd");

  public static final U32 OUT_DEVID = U32.of(LAYOUT, "out_devid");

  public static final U64 TOKEN_UUID_PTR = U64.of(LAYOUT, "token_uuid_ptr");

  private VfioDeviceBindIommufd() {}
}
