package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_iommu_type1_info_cap_migration}: Migration capability of VFIO_IOMMU_GET_INFO.
 */
public final class VfioIommuType1InfoCapMigration {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_iommu_type1_info_cap_migration",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u32("flags"),
          Layouts.pad(4),
          Layouts.u64("pgsize_bitmap"),
          Layouts.u64("max_dirty_bitmap_size"));

  /** {@code sizeof(struct vfio_iommu_type1_info_cap_migration)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U64 PGSIZE_BITMAP = U64.of(LAYOUT, "pgsize_bitmap");

  public static final U64 MAX_DIRTY_BITMAP_SIZE = U64.of(LAYOUT, "max_dirty_bitmap_size");

  private VfioIommuType1InfoCapMigration() {}
}
