package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_info_cap_sparse_mmap}: Sparse mmap capability of a region. */
public final class VfioRegionInfoCapSparseMmap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_region_info_cap_sparse_mmap",
          VfioInfoCapHeader.LAYOUT.withName("header"),
          Layouts.u32("nr_areas"),
          Layouts.u32("reserved"),
          Layouts.flex("areas", VfioRegionSparseMmapArea.LAYOUT));

  /** {@code sizeof(struct vfio_region_info_cap_sparse_mmap)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final long HEADER_OFFSET = Field.offset(LAYOUT, "header");

  public static final U32 NR_AREAS = U32.of(LAYOUT, "nr_areas");

  public static final U32 RESERVED = U32.of(LAYOUT, "reserved");

  public static final long AREAS_OFFSET = Field.offset(LAYOUT, "areas");

  private VfioRegionInfoCapSparseMmap() {}
}
