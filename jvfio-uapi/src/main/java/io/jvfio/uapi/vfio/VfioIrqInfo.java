package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_irq_info}: VFIO_DEVICE_GET_IRQ_INFO argument. */
public final class VfioIrqInfo {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_irq_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("index"),
          Layouts.u32("count"));

  /** {@code sizeof(struct vfio_irq_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 16;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 INDEX = U32.of(LAYOUT, "index");

  public static final U32 COUNT = U32.of(LAYOUT, "count");

  private VfioIrqInfo() {}
}
