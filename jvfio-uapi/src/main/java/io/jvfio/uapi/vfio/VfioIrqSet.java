package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_irq_set}: VFIO_DEVICE_SET_IRQS argument. */
public final class VfioIrqSet {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_irq_set",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("index"),
          Layouts.u32("start"),
          Layouts.u32("count"),
          Layouts.flex("data", Layouts.U8));

  /** {@code sizeof(struct vfio_irq_set)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 20;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 INDEX = U32.of(LAYOUT, "index");

  public static final U32 START = U32.of(LAYOUT, "start");

  public static final U32 COUNT = U32.of(LAYOUT, "count");

  public static final long DATA_OFFSET = Field.offset(LAYOUT, "data");

  private VfioIrqSet() {}
}
