package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U16;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_option}: IOMMU_OPTION argument. */
public final class IommuOption {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_option",
          Layouts.u32("size"),
          Layouts.u32("option_id"),
          Layouts.u16("op"),
          Layouts.u16("__reserved"),
          Layouts.u32("object_id"),
          Layouts.u64("val64"));

  /** {@code sizeof(struct iommu_option)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 24;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 OPTION_ID = U32.of(LAYOUT, "option_id");

  public static final U16 OP = U16.of(LAYOUT, "op");

  public static final U16 RESERVED = U16.of(LAYOUT, "__reserved");

  public static final U32 OBJECT_ID = U32.of(LAYOUT, "object_id");

  public static final U64 VAL64 = U64.of(LAYOUT, "val64");

  private IommuOption() {}
}
