package io.jvfio.migration.report;

import java.util.List;

/**
 * A test's copy of a report with a few fields changed, so that a test names only what it changes
 * and not the report's fourteen fields in order.
 */
final class ReportCopy {
  private final MigrationReport r;
  private MigrationReport.Side side;
  private double downtimeMs;
  private double downtimeStartMs;
  private double downtimeLimitMs;
  private long totalMs;
  private List<MigrationReport.Sample> timeline;
  private String digestAlgorithm;
  private GuestRamReport guestRam;

  private ReportCopy(MigrationReport r) {
    this.r = r;
    this.side = r.side();
    this.downtimeMs = r.downtimeMs();
    this.downtimeStartMs = r.downtimeStartMs();
    this.downtimeLimitMs = r.downtimeLimitMs();
    this.totalMs = r.totalMs();
    this.timeline = r.timeline();
    this.digestAlgorithm = r.digestAlgorithm();
    this.guestRam = r.guestRam();
  }

  static ReportCopy of(MigrationReport r) {
    return new ReportCopy(r);
  }

  /** The receiver's copy: its side, and no digest algorithm (the receiver names none). */
  static MigrationReport receiving(MigrationReport r) {
    return of(r).side(MigrationReport.Side.RECEIVER).digestAlgorithm(null).build();
  }

  ReportCopy side(MigrationReport.Side s) {
    side = s;
    return this;
  }

  ReportCopy downtimeMs(double ms) {
    downtimeMs = ms;
    return this;
  }

  /** The downtime window: where it began, how long it lasted, and the limit it had. */
  ReportCopy downtime(double startMs, double ms, double limitMs) {
    downtimeStartMs = startMs;
    downtimeMs = ms;
    downtimeLimitMs = limitMs;
    return this;
  }

  ReportCopy totalMs(long ms) {
    totalMs = ms;
    return this;
  }

  ReportCopy timeline(List<MigrationReport.Sample> samples) {
    timeline = samples;
    return this;
  }

  ReportCopy digestAlgorithm(String name) {
    digestAlgorithm = name;
    return this;
  }

  ReportCopy guestRam(GuestRamReport ram) {
    guestRam = ram;
    return this;
  }

  MigrationReport build() {
    return new MigrationReport(
        r.outcome(),
        side,
        r.devices(),
        downtimeMs,
        downtimeStartMs,
        downtimeLimitMs,
        totalMs,
        r.throughputBytesPerSec(),
        timeline,
        r.error(),
        r.errno(),
        r.recovery(),
        digestAlgorithm,
        guestRam);
  }
}
