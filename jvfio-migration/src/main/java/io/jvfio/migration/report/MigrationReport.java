package io.jvfio.migration.report;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one migration did: the result, each device's numbers, the totals and a timeline of samples.
 * Rendered by {@link Summary} (text and JSON) and {@link TimelinePlot} (PNG).
 *
 * @param result {@link #COMPLETED} or a failure text ("failed", "cancelled", ...)
 * @param devices per device, in migration order
 * @param downtimeMs how long the devices did not run: from the moment the first source device left
 *     a running state (RUNNING or PRE_COPY) until the destination ran every device; both ends
 *     report the number the source measured (0 when the migration did not get that far)
 * @param totalMs wall time of the whole migration
 * @param throughputBytesPerSec device bytes moved per second over the whole migration
 * @param timeline samples in time order (may be empty)
 * @param error what went wrong, in a sentence; null when nothing did
 * @param recovery what was done afterwards to leave the devices usable (empty when nothing)
 * @param downtimeLimitMs the downtime limit the migration ran with (0: unknown)
 */
public record MigrationReport(
    String result,
    List<DeviceReport> devices,
    double downtimeMs,
    long totalMs,
    double throughputBytesPerSec,
    List<Sample> timeline,
    String error,
    List<String> recovery,
    double downtimeLimitMs) {
  /** The result of a migration that finished. */
  public static final String COMPLETED = "completed";

  public MigrationReport {
    Objects.requireNonNull(result, "result");
    devices = List.copyOf(devices);
    timeline = List.copyOf(timeline);
    recovery = recovery == null ? List.of() : List.copyOf(recovery);
    if (totalMs < 0) {
      throw new IllegalArgumentException("negative total time " + totalMs);
    }
  }

  /** A report without a known downtime limit. */
  public MigrationReport(
      String result,
      List<DeviceReport> devices,
      double downtimeMs,
      long totalMs,
      double throughputBytesPerSec,
      List<Sample> timeline,
      String error,
      List<String> recovery) {
    this(result, devices, downtimeMs, totalMs, throughputBytesPerSec, timeline, error, recovery, 0);
  }

  /** How far the downtime went over its limit, in milliseconds (0 when within it or unknown). */
  public double downtimeOverrunMs() {
    return downtimeLimitMs > 0 && downtimeMs > downtimeLimitMs ? downtimeMs - downtimeLimitMs : 0;
  }

  /** A report without error or recovery notes. */
  public MigrationReport(
      String result,
      List<DeviceReport> devices,
      double downtimeMs,
      long totalMs,
      double throughputBytesPerSec,
      List<Sample> timeline) {
    this(result, devices, downtimeMs, totalMs, throughputBytesPerSec, timeline, null, List.of());
  }

  /** Whether the migration completed. */
  public boolean completed() {
    return COMPLETED.equals(result);
  }

  /** The error text, if there is one. */
  public Optional<String> errorText() {
    return Optional.ofNullable(error);
  }

  /** This report with {@code error} and {@code recovery} notes. */
  public MigrationReport withError(String error, List<String> recovery) {
    return new MigrationReport(
        result,
        devices,
        downtimeMs,
        totalMs,
        throughputBytesPerSec,
        timeline,
        error,
        recovery,
        downtimeLimitMs);
  }

  /** Sum of every device's precopy and stop-copy bytes. */
  public long totalBytes() {
    long sum = 0;
    for (DeviceReport d : devices) {
      sum += d.totalBytes();
    }
    return sum;
  }

  /**
   * One device's part.
   *
   * @param bdf the PCI address ("0000:05:00.0")
   * @param model the device model or driver ("memdev"); may be null when unknown
   * @param digest a content digest after migration (hex), or null when the device has none
   * @param precopyBytes bytes sent while the device was running (PRE_COPY)
   * @param stopCopyBytes bytes sent while it was stopped (STOP_COPY)
   * @param iterations precopy iterations (passes over the dirty data)
   * @param finalState the device's migration state at the end ("RUNNING", "ERROR", ...)
   */
  public record DeviceReport(
      String bdf,
      String model,
      String digest,
      long precopyBytes,
      long stopCopyBytes,
      int iterations,
      String finalState) {
    public DeviceReport {
      Objects.requireNonNull(bdf, "bdf");
      if (precopyBytes < 0 || stopCopyBytes < 0 || iterations < 0) {
        throw new IllegalArgumentException(
            bdf
                + ": negative counts (precopy "
                + precopyBytes
                + ", stop-copy "
                + stopCopyBytes
                + ", iterations "
                + iterations
                + ")");
      }
    }

    public long totalBytes() {
      return precopyBytes + stopCopyBytes;
    }
  }

  /**
   * A point of the timeline.
   *
   * @param tMillis milliseconds since the migration started
   * @param bytesSent bytes sent so far (all devices)
   * @param dirtyBytes bytes the devices reported dirty at that time
   * @param phase the engine's phase ("setup", "precopy", "stop-copy", ...)
   */
  public record Sample(long tMillis, long bytesSent, long dirtyBytes, String phase) {
    public Sample {
      Objects.requireNonNull(phase, "phase");
    }
  }
}
