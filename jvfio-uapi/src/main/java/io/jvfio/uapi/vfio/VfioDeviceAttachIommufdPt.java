package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_attach_iommufd_pt}: VFIO_DEVICE_ATTACH_IOMMUFD_PT argument. */
public final class VfioDeviceAttachIommufdPt {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_attach_iommufd_pt",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("pt_id"),
          Layouts.u32("pasid"));

  /** {@code sizeof(struct vfio_device_attach_iommufd_pt)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 12;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 PT_ID = U32.of(LAYOUT, "pt_id");

  public static final U32 PASID = U32.of(LAYOUT, "pasid");

  private VfioDeviceAttachIommufdPt() {}
}
