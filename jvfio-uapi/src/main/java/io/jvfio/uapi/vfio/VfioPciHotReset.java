package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_pci_hot_reset}: VFIO_DEVICE_PCI_HOT_RESET argument. */
public final class VfioPciHotReset {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_pci_hot_reset",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("count"),
          Layouts.flex("group_fds", Layouts.U32));

  /** {@code sizeof(struct vfio_pci_hot_reset)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 12;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 COUNT = U32.of(LAYOUT, "count");

  public static final long GROUP_FDS_OFFSET = Field.offset(LAYOUT, "group_fds");

  private VfioPciHotReset() {}
}
