package io.jvfio.host.sdk;

import java.util.List;

/**
 * Device DMA dirty logging (Linux's {@code vfio_log_ops}). The core validates the ranges, the page
 * sizes and the user bitmap; the model tracks and reports.
 */
public interface DmaLogging {
  /** One IOVA range to track: {@code [iova, iova + length)}. */
  record Range(long iova, long length) {}

  /**
   * Starts tracking the ranges; returns the page size actually tracked (the requested one, or what
   * the hardware can do).
   */
  long start(List<Range> ranges, long pageSize);

  void stop();

  /**
   * Reports and clears the dirty pages of {@code [iova, iova + length)} at {@code pageSize}
   * granularity, by calling {@code dirty} with the page index relative to {@code iova}.
   */
  void report(long iova, long length, long pageSize, java.util.function.LongConsumer dirty);

  /**
   * The log the device's DMA writes feed ({@link DmaWriteLog}), or null when the model keeps its
   * log some other way; a wrapper forwards its inner log's.
   */
  default DmaWriteLog writeLog() {
    return null;
  }
}
