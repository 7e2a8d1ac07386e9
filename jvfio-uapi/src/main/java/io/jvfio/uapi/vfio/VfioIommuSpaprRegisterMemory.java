package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_iommu_spapr_register_memory}: VFIO_IOMMU_SPAPR_REGISTER_MEMORY argument. */
public final class VfioIommuSpaprRegisterMemory {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_spapr_register_memory",
          Layouts.u32("argsz"),
          Layouts.u32("flags"),
          Layouts.u64("vaddr"),
          Layouts.u64("size"));

  /** {@code sizeof(struct vfio_iommu_spapr_register_memory)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U32 ARGSZ = U32.of(LAYOUT, "argsz");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 VADDR = U64.of(LAYOUT, "vaddr");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  private VfioIommuSpaprRegisterMemory() {}
}
