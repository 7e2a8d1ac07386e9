package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct vfio_device_feature_dma_logging_range}: One IOVA range for DMA logging. */
public final class VfioDeviceFeatureDmaLoggingRange {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_feature_dma_logging_range", Layouts.u64("iova"), Layouts.u64("length"));

  /** {@code sizeof(struct vfio_device_feature_dma_logging_range)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  private VfioDeviceFeatureDmaLoggingRange() {}
}
