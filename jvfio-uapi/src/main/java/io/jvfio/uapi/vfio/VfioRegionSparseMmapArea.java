package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_sparse_mmap_area}: One mmap-able area of a sparse region. */
public final class VfioRegionSparseMmapArea {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_region_sparse_mmap_area", Layouts.u64("offset"), Layouts.u64("size"));

  /** {@code sizeof(struct vfio_region_sparse_mmap_area)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 OFFSET = U64.of(LAYOUT, "offset");

  public static final U64 SIZE = U64.of(LAYOUT, "size");

  private VfioRegionSparseMmapArea() {}
}
