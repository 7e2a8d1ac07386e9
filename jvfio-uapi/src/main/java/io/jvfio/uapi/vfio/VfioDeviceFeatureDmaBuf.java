package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_feature_dma_buf}: Payload of VFIO_DEVICE_FEATURE_DMA_BUF. */
public final class VfioDeviceFeatureDmaBuf {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_feature_dma_buf",
          Layouts.u32("region_index"),
          Layouts.u32("open_flags"),
          Layouts.u32("flags"),
          Layouts.u32("nr_ranges"),
          Layouts.flex("dma_ranges", VfioRegionDmaRange.LAYOUT));

  /** {@code sizeof(struct vfio_device_feature_dma_buf)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 16;

  public static final U32 REGION_INDEX = U32.of(LAYOUT, "region_index");

  public static final U32 OPEN_FLAGS = U32.of(LAYOUT, "open_flags");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 NR_RANGES = U32.of(LAYOUT, "nr_ranges");

  public static final long DMA_RANGES_OFFSET = Field.offset(LAYOUT, "dma_ranges");

  private VfioDeviceFeatureDmaBuf() {}
}
