package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_eeh_pe_err}: EEH error injection. */
public final class VfioEehPeErr {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_eeh_pe_err",
          Layouts.u32("type"),
          Layouts.u32("func"),
          Layouts.u64("addr"),
          Layouts.u64("mask"));

  /** {@code sizeof(struct vfio_eeh_pe_err)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 TYPE = U32.of(LAYOUT, "type");

  public static final U32 FUNC = U32.of(LAYOUT, "func");

  public static final U64 ADDR = U64.of(LAYOUT, "addr");

  public static final U64 MASK = U64.of(LAYOUT, "mask");

  private VfioEehPeErr() {}
}
