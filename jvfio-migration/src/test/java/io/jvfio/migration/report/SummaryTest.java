package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport.DeviceReport;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SummaryTest {
  @Test
  void textOfACompletedMigration() {
    String text = Summary.text(Reports.completed());
    List<String> lines = text.lines().toList();
    assertThat(lines.getFirst()).isEqualTo("Migration completed (sender; digests are SHA-256)");
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
            "Total: 4.01 MiB moved, downtime 12.5 ms (limit 300 ms), throughput 3.50 MiB/s, total"
                + " time 1.234 s");
    assertThat(lines).hasSize(5);
    assertThat(text).endsWith("\n").doesNotContain("\r").doesNotContain("Error");
  }

  @Test
  void aReceiversTextSaysSo() {
    MigrationReport received = ReportCopy.receiving(Reports.completed());
    assertThat(Summary.text(received)).startsWith("Migration completed (receiver)\n");
    assertThat(MiniJson.object(Summary.json(received)))
        .containsEntry("side", "receiver")
        .doesNotContainKey("digestAlgorithm");
  }

  @Test
  void anOverrunIsFlaggedBesideTheLimit() {
    MigrationReport over = withDowntime(Reports.completed(), 320.25);
    assertThat(Summary.text(over))
        .contains("downtime 320.25 ms (OVER the 300 ms limit by 20.25 ms), throughput");
    assertThat(MiniJson.object(Summary.json(over)))
        .containsEntry("downtimeMs", 320.25)
        .containsEntry("downtimeLimitMs", 300L)
        .containsEntry("downtimeOverLimit", true)
        .containsEntry("downtimeOverrunMs", 20.25);
    // exactly at the limit is within it
    MigrationReport at = withDowntime(Reports.completed(), 300);
    assertThat(Summary.text(at)).contains("downtime 300 ms (limit 300 ms)");
    assertThat(MiniJson.object(Summary.json(at)))
        .containsEntry("downtimeOverLimit", false)
        .containsEntry("downtimeOverrunMs", 0L);
  }

  @Test
  void anUnknownLimitIsNotShown() {
    MigrationReport r = Reports.completed().withDowntimeLimitMs(0);
    assertThat(Summary.text(r)).contains("downtime 12.5 ms, throughput");
    assertThat(MiniJson.object(Summary.json(r)))
        .doesNotContainKeys("downtimeLimitMs", "downtimeOverLimit", "downtimeOverrunMs");
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
  void textOfAFailureHasTheErrorItsErrnoAndTheNotes() {
    String text = Summary.text(Reports.failed());
    assertThat(text)
        .startsWith("Migration failed (sender)\n")
        .contains("ERROR")
        .contains("downtime 0 ms (limit 300 ms), throughput 0.00 MiB/s, total time 80 ms")
        .contains("Error: the destination refused the stream: bad checksum (EIO)\n")
        .endsWith(
            "Notes:\n"
                + "  - reset 0000:05:00.0 (it was in ERROR)\n"
                + "  - the source is RUNNING again\n");
  }

  @Test
  void textWithoutDevicesOrNumbers() {
    MigrationReport r =
        new MigrationReport("cancelled", List.of(), Double.NaN, 0, Double.NaN, List.of());
    assertThat(Summary.text(r))
        .isEqualTo(
            "Migration cancelled (sender)\n"
                + "  (no devices)\n"
                + "Total: 0 B moved, downtime ? ms, throughput ? MiB/s, total time 0 ms\n");
  }

  @Test
  void jsonOfACompletedMigrationIsOkInTheProjectsVocabulary() {
    String json = Summary.json(Reports.completed());
    assertThat(json)
        .doesNotContain("\n")
        .startsWith("{\"result\":\"ok\",\"outcome\":\"completed\",");
    Map<String, Object> m = MiniJson.object(json);
    assertThat(m.keySet())
        .containsExactly(
            "result",
            "outcome",
            "side",
            "digestAlgorithm",
            "devices",
            "downtimeMs",
            "downtimeLimitMs",
            "downtimeOverLimit",
            "downtimeOverrunMs",
            "throughputBytesPerSec",
            "totalMs");
    assertThat(m)
        .containsEntry("result", "ok")
        .containsEntry("outcome", "completed")
        .containsEntry("side", "sender")
        .containsEntry("digestAlgorithm", "SHA-256")
        .containsEntry("downtimeMs", 12.5)
        .containsEntry("downtimeLimitMs", 300L)
        .containsEntry("downtimeOverLimit", false)
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
    // CI compares "digest":"<hex>" of both ends: the field is there, null when there is none
    assertThat(json).contains("\"digest\":\"" + Reports.DIGEST_A + "\"");
    assertThat(devices.get(1)).containsEntry("digest", null).containsEntry("precopyBytes", 160L);
  }

  @Test
  void jsonOfAFailureHasErrorErrnoAndNotes() {
    Map<String, Object> m = MiniJson.object(Summary.json(Reports.failed()));
    assertThat(m)
        .containsEntry("result", "failed")
        .containsEntry("outcome", "failed")
        .containsEntry("error", "the destination refused the stream:\nbad checksum")
        .containsEntry("errno", "EIO")
        .containsEntry(
            "recovery",
            List.of("reset 0000:05:00.0 (it was in ERROR)", "the source is RUNNING again"));
    assertThat(m.keySet())
        .containsExactly(
            "result",
            "outcome",
            "side",
            "error",
            "errno",
            "devices",
            "downtimeMs",
            "downtimeLimitMs",
            "downtimeOverLimit",
            "downtimeOverrunMs",
            "throughputBytesPerSec",
            "totalMs",
            "recovery");
  }

  /** Every outcome but "completed" is a failure, with an error sentence even when none was set. */
  @Test
  void resultIsOkOnlyForACompletedMigration() {
    for (String outcome : List.of("completed", "failed", "cancelled", "digest mismatch")) {
      MigrationReport r =
          new MigrationReport(outcome, List.of(), 1, 2, 3, List.of(), null, List.of());
      Map<String, Object> m = MiniJson.object(Summary.json(r));
      assertThat(m).containsEntry("outcome", outcome);
      if (outcome.equals("completed")) {
        assertThat(m).containsEntry("result", "ok").doesNotContainKeys("error", "errno");
      } else {
        assertThat(m)
            .containsEntry("result", "failed")
            .containsEntry("error", "the migration " + outcome);
      }
    }
  }

  @Test
  void jsonEscapesWhatItMustAndStaysAscii() {
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
            List.of("line1\r\nline2", "lone \ud800 surrogate"));
    String json = Summary.json(r);
    assertThat(json.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    Map<String, Object> m = MiniJson.object(json);
    assertThat(m.get("outcome")).isEqualTo("failed: \"x\"");
    assertThat(m.get("error")).isEqualTo(nasty);
    assertThat(m.get("recovery")).isEqualTo(List.of("line1\r\nline2", "lone \ud800 surrogate"));
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

  private static final Pattern NUMBER = Pattern.compile("(?<=[:\\[,])-?[0-9][^,}\\]]*");

  /**
   * Over seeded random magnitudes (a throughput of 2.019325446559297E8, a downtime of 1.5E-7 ms,
   * 1E15 bytes/s): every number is a plain integer or a decimal with at most three places, the
   * throughput an integer, and each is the value rounded.
   */
  @Test
  void jsonNumbersArePlainIntegersOrShortDecimals() {
    Random random = new Random(2024);
    for (int i = 0; i < 2000; i++) {
      double downtime = Math.pow(10, random.nextDouble(-9, 7)) * (random.nextInt(9) + 1);
      double limit = random.nextBoolean() ? 0 : Math.pow(10, random.nextDouble(-3, 6));
      double rate = Math.pow(10, random.nextDouble(-3, 16));
      MigrationReport r =
          withDowntime(
              new MigrationReport("completed", List.of(), 0, i, rate, List.of())
                  .withDowntimeLimitMs(limit),
              downtime);
      String json = Summary.json(r);
      Matcher n = NUMBER.matcher(json);
      int count = 0;
      while (n.find()) {
        count++;
        assertThat(n.group()).as("in %s", json).matches("-?(0|[1-9][0-9]*)(\\.[0-9]{1,3})?");
      }
      assertThat(count).isGreaterThanOrEqualTo(3);
      Map<String, Object> m = MiniJson.object(json);
      assertThat(m.get("throughputBytesPerSec")).isEqualTo(Math.round(rate));
      assertThat(((Number) m.get("downtimeMs")).doubleValue())
          .isCloseTo(downtime, org.assertj.core.data.Offset.offset(0.0005 + downtime * 1e-15));
    }
  }

  @Test
  void shortDigests() {
    assertThat(Summary.shortDigest(null)).isEqualTo("-");
    assertThat(Summary.shortDigest("")).isEqualTo("-");
    assertThat(Summary.shortDigest("abc")).isEqualTo("abc");
    assertThat(Summary.shortDigest(Reports.DIGEST_B)).isEqualTo("a0b1c2d3e4f5");
  }

  private static MigrationReport withDowntime(MigrationReport r, double downtimeMs) {
    return ReportCopy.of(r).downtimeMs(downtimeMs).build();
  }
}
