package io.jvfio.migration.report;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one migration did, as one end saw it: the outcome, each device's numbers, the totals and a
 * timeline of samples. Rendered by {@link Summary} (text and JSON) and {@link TimelinePlot} (PNG).
 *
 * @param outcome the engine's word for how it ended: {@link #COMPLETED}, "failed", "cancelled",
 *     "digest mismatch", ...
 * @param side which end wrote this report
 * @param devices per device, in migration order
 * @param downtimeMs how long the devices did not run: from the moment the first source device left
 *     a running state (RUNNING or PRE_COPY) until the destination ran every device; both ends
 *     report the number the source measured. When the migration failed after the switchover, the
 *     time until the source ran its devices again; 0 when no device stopped
 * @param downtimeStartMs where the downtime began on this report's timeline (milliseconds since the
 *     migration started); NaN when there was none or it is unknown
 * @param downtimeLimitMs the downtime limit the source worked to (0: unknown at this end)
 * @param totalMs wall time of the whole migration
 * @param throughputBytesPerSec bytes moved per second over the whole migration: device state and
 *     guest RAM pages (zero-page markers count nothing)
 * @param timeline samples in time order (may be empty)
 * @param error what went wrong, in a sentence; null when nothing did
 * @param errno the errno behind the error when a call on this end failed with one ("EIO"), else
 *     null
 * @param recovery what was done afterwards to leave the devices usable, and other notes (empty when
 *     none)
 * @param digestAlgorithm what the devices' digests are ("SHA-256"); null when no device has one
 * @param guestRam the guest RAM's part; null when the migration moved devices only
 */
public record MigrationReport(
    String outcome,
    Side side,
    List<DeviceReport> devices,
    double downtimeMs,
    double downtimeStartMs,
    double downtimeLimitMs,
    long totalMs,
    double throughputBytesPerSec,
    List<Sample> timeline,
    String error,
    String errno,
    List<String> recovery,
    String digestAlgorithm,
    GuestRamReport guestRam) {
  /** The outcome of a migration that finished. */
  public static final String COMPLETED = "completed";

  /** The end of a migration a report describes. */
  public enum Side {
    /** The source: its timeline counts bytes sent. */
    SENDER,
    /** The destination: its timeline counts bytes received. */
    RECEIVER
  }

  public MigrationReport {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(side, "side");
    devices = List.copyOf(devices);
    timeline = List.copyOf(timeline);
    recovery = recovery == null ? List.of() : List.copyOf(recovery);
    if (totalMs < 0) {
      throw new IllegalArgumentException("negative total time " + totalMs);
    }
  }

  /** A report without guest RAM. */
  public MigrationReport(
      String outcome,
      Side side,
      List<DeviceReport> devices,
      double downtimeMs,
      double downtimeStartMs,
      double downtimeLimitMs,
      long totalMs,
      double throughputBytesPerSec,
      List<Sample> timeline,
      String error,
      String errno,
      List<String> recovery,
      String digestAlgorithm) {
    this(
        outcome,
        side,
        devices,
        downtimeMs,
        downtimeStartMs,
        downtimeLimitMs,
        totalMs,
        throughputBytesPerSec,
        timeline,
        error,
        errno,
        recovery,
        digestAlgorithm,
        null);
  }

  /** A sender's report without downtime window, limit, errno or digest algorithm. */
  public MigrationReport(
      String outcome,
      List<DeviceReport> devices,
      double downtimeMs,
      long totalMs,
      double throughputBytesPerSec,
      List<Sample> timeline,
      String error,
      List<String> recovery) {
    this(
        outcome,
        Side.SENDER,
        devices,
        downtimeMs,
        Double.NaN,
        0,
        totalMs,
        throughputBytesPerSec,
        timeline,
        error,
        null,
        recovery,
        null);
  }

  /** A sender's report without error or recovery notes. */
  public MigrationReport(
      String outcome,
      List<DeviceReport> devices,
      double downtimeMs,
      long totalMs,
      double throughputBytesPerSec,
      List<Sample> timeline) {
    this(outcome, devices, downtimeMs, totalMs, throughputBytesPerSec, timeline, null, List.of());
  }

  /** How far the downtime went over its limit, in milliseconds (0 when within it or unknown). */
  public double downtimeOverrunMs() {
    return downtimeLimitMs > 0 && downtimeMs > downtimeLimitMs ? downtimeMs - downtimeLimitMs : 0;
  }

  /** Whether the migration completed. */
  public boolean completed() {
    return COMPLETED.equals(outcome);
  }

  /** The error text, if there is one. */
  public Optional<String> errorText() {
    return Optional.ofNullable(error);
  }

  /** This report with {@code error} and {@code recovery} notes. */
  public MigrationReport withError(String error, List<String> recovery) {
    return copy(outcome, downtimeLimitMs, error, recovery);
  }

  /** This report with another outcome and error (a check after the migration failed). */
  public MigrationReport withOutcome(String outcome, String error) {
    return copy(outcome, downtimeLimitMs, error, recovery);
  }

  /** This report with the downtime limit the source worked to, in milliseconds. */
  public MigrationReport withDowntimeLimitMs(double limitMs) {
    return copy(outcome, limitMs, error, recovery);
  }

  /** This report with the fields the withers change; every other field as it is. */
  private MigrationReport copy(
      String outcome, double downtimeLimitMs, String error, List<String> recovery) {
    return new MigrationReport(
        outcome,
        side,
        devices,
        downtimeMs,
        downtimeStartMs,
        downtimeLimitMs,
        totalMs,
        throughputBytesPerSec,
        timeline,
        error,
        errno,
        recovery,
        digestAlgorithm,
        guestRam);
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
   * @param precopyBytes bytes moved while the device was running (PRE_COPY)
   * @param stopCopyBytes bytes moved while it was stopped (STOP_COPY)
   * @param iterations precopy rounds: passes over the data the device had pending (its initial
   *     data, later its dirty data); 0 for a device without precopy
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
   * @param bytesSent bytes moved so far (all devices, and the guest RAM's pages): sent by a sender,
   *     received by a receiver
   * @param dirtyBytes bytes the devices reported dirty at that time, and the guest RAM pages still
   *     to send in the current pass
   * @param phase the engine's phase ("setup", "precopy", "stop-copy", ...)
   * @param ramBytes the guest RAM's page bytes among {@code bytesSent} (0 without guest RAM)
   */
  public record Sample(long tMillis, long bytesSent, long dirtyBytes, String phase, long ramBytes) {
    public Sample {
      Objects.requireNonNull(phase, "phase");
    }

    /** A sample of a migration without guest RAM. */
    public Sample(long tMillis, long bytesSent, long dirtyBytes, String phase) {
      this(tMillis, bytesSent, dirtyBytes, phase, 0);
    }
  }
}
