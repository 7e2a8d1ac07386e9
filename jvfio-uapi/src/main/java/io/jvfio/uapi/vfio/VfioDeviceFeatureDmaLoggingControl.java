package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_feature_dma_logging_control}: Payload of
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_START.
 */
public final class VfioDeviceFeatureDmaLoggingControl {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_feature_dma_logging_control",
          Layouts.u64("page_size"),
          Layouts.u32("num_ranges"),
          Layouts.u32("__reserved"),
          Layouts.u64("ranges"));

  /** {@code sizeof(struct vfio_device_feature_dma_logging_control)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 24;

  public static final U64 PAGE_SIZE = U64.of(LAYOUT, "page_size");

  public static final U32 NUM_RANGES = U32.of(LAYOUT, "num_ranges");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 RANGES = U64.of(LAYOUT, "ranges");

  private VfioDeviceFeatureDmaLoggingControl() {}
}
