package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_type1_info}: VFIO_IOMMU_GET_INFO argument. */
public final class VfioIommuType1Info {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_info",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("iova_pgsizes"),
          Layouts.u32("cap_offset"),
          Layouts.u32("pad"));

  /** {@code sizeof(struct vfio_iommu_type1_info)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 16;

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 IOVA_PGSIZES = U64.of(LAYOUT, "iova_pgsizes");

  public static final U32 CAP_OFFSET = U32.of(LAYOUT, "cap_offset");

  public static final U32 PAD = U32.of(LAYOUT, "pad");

  private VfioIommuType1Info() {}
}
