package io.jvfio.migration.report;

import io.jvfio.migration.report.MigrationReport.DeviceReport;
import io.jvfio.migration.report.MigrationReport.Sample;
import java.util.ArrayList;
import java.util.List;

/** Reports for the tests: a completed two-memdev migration and a failed one. */
final class Reports {
  static final String DIGEST_A = "3f2a9c1d0b7e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
  static final String DIGEST_B = "a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f";

  private Reports() {}

  /** A sender's report: two devices, downtime 12.5 ms of a 300 ms limit from 1540 ms. */
  static MigrationReport completed() {
    return new MigrationReport(
        MigrationReport.COMPLETED,
        MigrationReport.Side.SENDER,
        List.of(
            new DeviceReport("0000:05:00.0", "memdev", DIGEST_A, 4L << 20, 12 << 10, 3, "RUNNING"),
            new DeviceReport("0000:05:02.0", "mtty", null, 160, 48, 1, "RUNNING")),
        12.5,
        1540,
        300,
        1234,
        3.5 * 1024 * 1024,
        timeline(),
        null,
        null,
        List.of(),
        "SHA-256");
  }

  /** A sender's report of a migration that failed (EIO) before any device stopped. */
  static MigrationReport failed() {
    return new MigrationReport(
        "failed",
        MigrationReport.Side.SENDER,
        List.of(new DeviceReport("0000:05:00.0", "memdev", null, 1 << 20, 0, 1, "ERROR")),
        0,
        Double.NaN,
        300,
        80,
        0,
        List.of(),
        "the destination refused the stream:\nbad checksum",
        "EIO",
        List.of("reset 0000:05:00.0 (it was in ERROR)", "the source is RUNNING again"),
        null);
  }

  /** 2 s: setup, precopy with the dirty bytes falling, stop-copy, completing. */
  static List<Sample> timeline() {
    List<Sample> s = new ArrayList<>();
    s.add(new Sample(0, 0, 0, "setup"));
    long sent = 0;
    long dirty = 4L << 20;
    for (int t = 50; t <= 1500; t += 50) {
      sent += 150 << 10;
      dirty = Math.max(64 << 10, dirty - (140 << 10));
      s.add(new Sample(t, sent, dirty, "precopy"));
    }
    for (int t = 1550; t <= 1800; t += 50) {
      sent += 20 << 10;
      dirty = Math.max(0, dirty - (20 << 10));
      s.add(new Sample(t, sent, dirty, "stop-copy"));
    }
    s.add(new Sample(2000, sent, 0, "completing"));
    return s;
  }
}
