package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_eeh_pe_op}: VFIO_EEH_PE_OP argument. */
public final class VfioEehPeOp {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_eeh_pe_op",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u32("op"),
          Layouts.pad(4),
          Layouts.union(VfioEehPeErr.LAYOUT.withName("err")));

  /** {@code sizeof(struct vfio_eeh_pe_op)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 OP = U32.of(LAYOUT, "op");

  public static final long ERR_OFFSET = Field.offset(LAYOUT, "err");

  private VfioEehPeOp() {}
}
