package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The guest RAM's part of a report: its summary lines, its JSON object and its plot line. */
class GuestRamReportTest {
  static final GuestRamReport RAM =
      new GuestRamReport(
          256L << 20,
          130L << 20,
          32768,
          1200,
          340,
          5,
          12L << 20,
          16L << 20,
          30,
          "iommufd dirty tracking",
          "0000:05:02.0 (mtty) has no DMA logging",
          "ab".repeat(32),
          "SHA-256 of the 4 KiB page SHA-256s");

  static MigrationReport withRam() {
    return withRam(MigrationReport.Side.SENDER, RAM);
  }

  static MigrationReport withRam(MigrationReport.Side side, GuestRamReport ram) {
    return ReportCopy.of(Reports.completed()).side(side).guestRam(ram).build();
  }

  @Test
  void theSummarySaysWhatMovedWhoDirtiedAndHowItWasTracked() {
    String text = Summary.text(withRam());
    assertThat(text)
        .contains("Total: 4.01 MiB of device state and 130 MiB of guest RAM pages moved, downtime")
        .contains(
            "Guest RAM: 256 MiB, 130 MiB of pages sent and 32768 zero pages as markers, 5 passes;"
                + " pages dirtied by the CPU 1200, by devices 340\n")
        .contains(
            "  device writes tracked by: iommufd dirty tracking (0000:05:02.0 (mtty) has no DMA"
                + " logging)\n")
        .contains("  in the downtime: 12.0 MiB of pages (expected 16.0 MiB at the switchover)\n")
        .contains("  auto-converge throttled the vCPUs up to 30 % of their time\n")
        .contains("  RAM digest: " + "ab".repeat(32) + " (SHA-256 of the 4 KiB page SHA-256s)\n");
    assertThat(Summary.text(Reports.completed())).doesNotContain("Guest RAM");
  }

  @Test
  void theReceiversSummaryGivesItsPassesButNotWhoDirtiedThePages() {
    GuestRamReport received =
        new GuestRamReport(
            256L << 20,
            130L << 20,
            32768,
            0,
            0,
            1,
            12L << 20,
            -1,
            0,
            null,
            null,
            "cd".repeat(32),
            RAM.digestAlgorithm());
    String text = Summary.text(withRam(MigrationReport.Side.RECEIVER, received));
    assertThat(text)
        .contains(
            "Guest RAM: 256 MiB, 130 MiB of pages received and 32768 zero pages as markers, 1"
                + " pass\n")
        .contains("  in the downtime: 12.0 MiB of pages\n")
        .doesNotContain("expected")
        .doesNotContain("auto-converge")
        .doesNotContain("dirtied")
        .doesNotContain("tracked by");
  }

  @Test
  void theJsonHasAGuestRamObjectOnlyWithGuestRam() {
    String json = Summary.json(withRam());
    assertThat(json)
        .contains(
            "\"guestRam\":{\"bytes\":268435456,\"bytesSent\":136314880,\"zeroPages\":32768,"
                + "\"pagesDirtiedByCpu\":1200,\"pagesDirtiedByDevices\":340,\"iterations\":5,"
                + "\"stopCopyBytes\":12582912,\"stopCopyEstimateBytes\":16777216,"
                + "\"cpuThrottlePercent\":30,"
                + "\"trackingMethod\":\"iommufd dirty tracking\"");
    assertThat(Summary.json(Reports.completed())).doesNotContain("guestRam");
  }

  @Test
  void thePlotShowsTheRamBesideTheDeviceState() {
    assertThat(TimelinePlot.ramLine(withRam()))
        .isEqualTo(
            "guest RAM 256 MiB: 130 MiB of pages and 32768 zero pages; device state 4.01 MiB;"
                + " device writes: iommufd dirty tracking");
    assertThat(TimelinePlot.ramLine(Reports.completed())).isNull();
  }
}
