package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingReport;
import java.lang.foreign.MemorySegment;

/**
 * DMA dirty logging's limits (linux-migration.md §10, §12; vfio_main.c {@code
 * vfio_ioctl_device_feature_logging_start}, {@code _report}, {@code LOG_MAX_RANGES}): only the
 * refusals the core makes before it reads a user pointer, so no logging starts and the kit needs no
 * memory of its own in the caller's address space.
 */
final class DmaLoggingChecks {
  private static final String SOURCE =
      "linux-migration.md §10; vfio_main.c vfio_ioctl_device_feature_logging_start";
  private static final String REPORT =
      "linux-migration.md §10; vfio_main.c vfio_ioctl_device_feature_logging_report";

  /** PAGE_SIZE / sizeof(struct vfio_device_feature_dma_logging_range) with 4 KiB pages, plus 1. */
  private static final int TOO_MANY_RANGES = 4096 / 16 + 1;

  private DmaLoggingChecks() {}

  static void run(RawDevice d, Recorder r) {
    int start = VFIO_DEVICE_FEATURE_DMA_LOGGING_START;
    int probe = d.feature(8, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET | start);
    if (probe < 0) {
      // without log ops every index of the three answers ENOTTY, PROBE too
      r.check("dma-logging.absent", SOURCE + "; §12", "ENOTTY", Outcome.of(probe));
      r.check(
          "dma-logging.absent-report",
          REPORT + "; §12",
          "ENOTTY",
          Outcome.of(
              d.feature(
                  8,
                  VFIO_DEVICE_FEATURE_PROBE
                      | VFIO_DEVICE_FEATURE_GET
                      | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT)));
      return;
    }
    r.check(
        "dma-logging.start-get-refused",
        SOURCE + " (START is SET only)",
        "EINVAL",
        Outcome.of(d.feature(8, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | start)));
    r.check(
        "dma-logging.start-payload-short",
        SOURCE,
        "EINVAL",
        Outcome.of(d.feature(8 + 16, VFIO_DEVICE_FEATURE_SET | start)));
    r.check("dma-logging.start-no-ranges", SOURCE, "EINVAL", Outcome.of(start(d, 0)));
    r.check(
        "dma-logging.start-too-many-ranges",
        SOURCE + " (LOG_MAX_RANGES; the only E2BIG)",
        "E2BIG",
        Outcome.of(start(d, TOO_MANY_RANGES)));
    MemorySegment rep =
        RawDevice.header(
            (int) (8 + VfioDeviceFeatureDmaLoggingReport.SIZEOF),
            VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
    VfioDeviceFeatureDmaLoggingReport.LENGTH.set(rep.asSlice(8), 4096L);
    VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.set(rep.asSlice(8), 1000L);
    r.check(
        "dma-logging.report-page-size",
        REPORT + " (below 4096 or not a power of two)",
        "EINVAL",
        Outcome.of(d.feature(rep)));
  }

  private static int start(RawDevice d, int ranges) {
    MemorySegment s =
        RawDevice.header(
            (int) (8 + VfioDeviceFeatureDmaLoggingControl.SIZEOF),
            VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
    VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(s.asSlice(8), 4096L);
    VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(s.asSlice(8), ranges);
    return d.feature(s);
  }
}
