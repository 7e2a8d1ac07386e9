package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_region_dma_range}: One range of a VFIO_DEVICE_FEATURE_DMA_BUF request. */
public final class VfioRegionDmaRange {
  public static final StructLayout LAYOUT =
      Layouts.struct("vfio_region_dma_range", Layouts.u64("offset"), Layouts.u64("length"));

  /** {@code sizeof(struct vfio_region_dma_range)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 OFFSET = U64.of(LAYOUT, "offset");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  private VfioRegionDmaRange() {}
}
