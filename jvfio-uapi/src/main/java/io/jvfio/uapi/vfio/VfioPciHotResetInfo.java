package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_pci_hot_reset_info}: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO argument. */
public final class VfioPciHotResetInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_pci_hot_reset_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("count"),
          Layouts.flex("devices", VfioPciDependentDevice.LAYOUT));

  /** {@code sizeof(struct vfio_pci_hot_reset_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 12;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 COUNT = U32.of(LAYOUT, "count");

  public static final long DEVICES_OFFSET = Field.offset(LAYOUT, "devices");

  private VfioPciHotResetInfo() {}
}
