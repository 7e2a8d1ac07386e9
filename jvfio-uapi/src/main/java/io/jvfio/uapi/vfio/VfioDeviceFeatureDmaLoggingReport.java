package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_feature_dma_logging_report}: Payload of
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT.
 */
public final class VfioDeviceFeatureDmaLoggingReport {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_feature_dma_logging_report",
          Layouts.u64("iova"),
          Layouts.u64("length"),
          Layouts.u64("page_size"),
          Layouts.u64("bitmap"));

  /** {@code sizeof(struct vfio_device_feature_dma_logging_report)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 32;

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  public static final U64 PAGE_SIZE = U64.of(LAYOUT, "page_size");

  public static final U64 BITMAP = U64.of(LAYOUT, "bitmap");

  private VfioDeviceFeatureDmaLoggingReport() {}
}
