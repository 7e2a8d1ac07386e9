package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport.DeviceReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryTest {
  @Test
  void textOfACompletedMigration() {
    String text = Summary.text(Reports.completed());
    List<String> lines = text.lines().toList();
    assertThat(lines.getFirst()).isEqualTo("Migration completed");
    assertThat(lines.get(1))
        .startsWith("  device")
        .contains("model", "precopy", "stop-copy", "iterations", "final state", "digest");
    assertThat(lines.get(2))
        .startsWith("  0000:05:00.0")
        .contains("memdev", "4.00 MiB", "12.0 KiB", " 3 ", "RUNNING", "3f2a9c1d0b7e")
        .doesNotContain(Reports.DIGEST_A);
    assertThat(lines.get(3)).startsWith("  0000:05:02.0").contains("mtty", "160 B", "48 B");
    assertThat(lines.get(3)).matches(".*RUNNING +-");
    assertThat(lines.get(4))
        .isEqualTo(
            "Total: 4.01 MiB moved, downtime 12.5 ms, throughput 3.50 MiB/s, total time 1.234 s");
    assertThat(lines).hasSize(5);
    assertThat(text).endsWith("\n").doesNotContain("\r").doesNotContain("Error");
  }

  @Test
  void theTableColumnsLineUp() {
    List<String> lines = Summary.text(Reports.completed()).lines().toList();
    String header = lines.get(1);
    // the numeric columns are right-aligned under their headers, the others left-aligned
    int stopCopyEnd = header.indexOf("stop-copy") + "stop-copy".length();
    int stateStart = header.indexOf("final state");
    for (String row : lines.subList(2, 4)) {
      assertThat(row.charAt(stopCopyEnd - 1)).isEqualTo('B');
      assertThat(row.charAt(stopCopyEnd)).isEqualTo(' ');
      assertThat(row.substring(stateStart)).startsWith("RUNNING");
    }
  }

  @Test
  void textOfAFailureHasTheErrorAndRecovery() {
    String text = Summary.text(Reports.failed());
    assertThat(text)
        .startsWith("Migration failed\n")
        .contains("ERROR")
        .contains("downtime 0 ms, throughput 0.00 MiB/s, total time 80 ms")
        .contains("Error: the destination refused the stream: bad checksum\n")
        .endsWith(
            "Recovery:\n"
                + "  - reset 0000:05:00.0 (it was in ERROR)\n"
                + "  - the source is RUNNING again\n");
  }

  @Test
  void textWithoutDevicesOrNumbers() {
    MigrationReport r =
        new MigrationReport("cancelled", List.of(), Double.NaN, 0, Double.NaN, List.of());
    assertThat(Summary.text(r))
        .isEqualTo(
            "Migration cancelled\n"
                + "  (no devices)\n"
                + "Total: 0 B moved, downtime ? ms, throughput ? MiB/s, total time 0 ms\n");
  }

  @Test
  void jsonHasTheFieldsAndParses() {
    String json = Summary.json(Reports.completed());
    assertThat(json).doesNotContain("\n").startsWith("{\"result\":\"completed\",");
    Map<String, Object> m = MiniJson.object(json);
    assertThat(m)
        .containsOnlyKeys("result", "devices", "downtimeMs", "throughputBytesPerSec", "totalMs")
        .containsEntry("result", "completed")
        .containsEntry("downtimeMs", 12.5)
        .containsEntry("throughputBytesPerSec", 3670016L)
        .containsEntry("totalMs", 1234L);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> devices = (List<Map<String, Object>>) m.get("devices");
    assertThat(devices).hasSize(2);
    assertThat(devices.get(0))
        .containsEntry("bdf", "0000:05:00.0")
        .containsEntry("model", "memdev")
        .containsEntry("digest", Reports.DIGEST_A)
        .containsEntry("precopyBytes", 4L << 20)
        .containsEntry("stopCopyBytes", 12L << 10)
        .containsEntry("iterations", 3L)
        .containsEntry("finalState", "RUNNING");
    assertThat(devices.get(1)).containsEntry("digest", null).containsEntry("precopyBytes", 160L);
  }

  @Test
  void jsonOfAFailureHasErrorAndRecovery() {
    Map<String, Object> m = MiniJson.object(Summary.json(Reports.failed()));
    assertThat(m)
        .containsEntry("result", "failed")
        .containsEntry("error", "the destination refused the stream:\nbad checksum")
        .containsEntry(
            "recovery",
            List.of("reset 0000:05:00.0 (it was in ERROR)", "the source is RUNNING again"));
    assertThat(m.keySet())
        .containsExactly(
            "result",
            "devices",
            "downtimeMs",
            "throughputBytesPerSec",
            "totalMs",
            "error",
            "recovery");
  }

  @Test
  void jsonEscapesWhatItMust() {
    String nasty = "quote \" backslash \\ nl \n tab \t nul \u0000 bell \u0007 del \u007f é 😀";
    MigrationReport r =
        new MigrationReport(
            "failed: \"x\"",
            List.of(new DeviceReport("0000:05:00.0", "m\\odel", "d\u2028g", 0, 0, 0, "ERROR")),
            1,
            2,
            3,
            List.of(),
            nasty,
            List.of("line1\r\nline2"));
    String json = Summary.json(r);
    assertThat(json).doesNotContain("\n").doesNotContain("\u0000").doesNotContain("\u2028");
    Map<String, Object> m = MiniJson.object(json);
    assertThat(m.get("result")).isEqualTo("failed: \"x\"");
    assertThat(m.get("error")).isEqualTo(nasty);
    assertThat(m.get("recovery")).isEqualTo(List.of("line1\r\nline2"));
    @SuppressWarnings("unchecked")
    Map<String, Object> d = ((List<Map<String, Object>>) m.get("devices")).getFirst();
    assertThat(d).containsEntry("model", "m\\odel").containsEntry("digest", "d\u2028g");
  }

  @Test
  void jsonWritesUnknownNumbersAsNull() {
    MigrationReport r =
        new MigrationReport(
            "failed", List.of(), Double.NaN, 0, Double.POSITIVE_INFINITY, List.of());
    Map<String, Object> m = MiniJson.object(Summary.json(r));
    assertThat(m)
        .containsEntry("downtimeMs", null)
        .containsEntry("throughputBytesPerSec", null)
        .containsEntry("devices", List.of());
  }

  @Test
  void shortDigests() {
    assertThat(Summary.shortDigest(null)).isEqualTo("-");
    assertThat(Summary.shortDigest("")).isEqualTo("-");
    assertThat(Summary.shortDigest("abc")).isEqualTo("abc");
    assertThat(Summary.shortDigest(Reports.DIGEST_B)).isEqualTo("a0b1c2d3e4f5");
  }
}
