package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U16;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U8;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_pci_dependent_device}: One entry of the hot-reset INFO reply: a group id or a
 * devid, and the BDF.
 */
public final class VfioPciDependentDevice {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_pci_dependent_device",
          Layouts.union(Layouts.u32("group_id"), Layouts.u32("devid")),
          Layouts.u16("segment"),
          Layouts.u8("bus"),
          Layouts.u8("devfn"));

  /** {@code sizeof(struct vfio_pci_dependent_device)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 GROUP_ID = U32.of(LAYOUT, "group_id");

  public static final U32 DEVID = U32.of(LAYOUT, "devid");

  public static final U16 SEGMENT = U16.of(LAYOUT, "segment");

  public static final U8 BUS = U8.of(LAYOUT, "bus");

  public static final U8 DEVFN = U8.of(LAYOUT, "devfn");

  private VfioPciDependentDevice() {}
}
