package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.Failure;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CliJsonTest {
  record Numbers(double big, double small, double nan, Double none, long whole) {}

  @Test
  void doublesAreWrittenPlainAndNotFiniteOnesAsNullAndAbsentOnesLeftOut() {
    assertThat(CliJson.line(new Numbers(2.0e8, 1.0e-7, Double.NaN, null, 7)))
        .isEqualTo("{\"big\":200000000,\"small\":0.0000001,\"nan\":null,\"whole\":7}");
  }

  @Test
  void noDoubleIsEverInExponentForm() {
    Random random = new Random(10);
    for (int i = 0; i < 10_000; i++) {
      double x = Math.scalb(random.nextDouble(), random.nextInt(-60, 80));
      String json = CliJson.line(List.of(x));
      assertThat(json).as("%s", x).doesNotContainIgnoringCase("e");
      assertThat(Double.parseDouble(json.substring(1, json.length() - 1))).isEqualTo(x);
    }
  }

  @Test
  void roundingKeepsAtMostTheDecimalsAsked() {
    assertThat(CliJson.round(12.34567, 3)).hasToString("12.346");
    assertThat(CliJson.round(12.0, 3)).hasToString("12");
    assertThat(CliJson.round(0.0004, 3)).hasToString("0");
    assertThat(CliJson.round(Double.POSITIVE_INFINITY, 3)).isNull();
    assertThat(CliJson.line(List.of(CliJson.round(1e9 / 3, 3)))).isEqualTo("[333333333.333]");
  }

  @Test
  void aFailureLeavesOutAnErrnoItDoesNotHaveAndEscapesItsSentence() {
    assertThat(CliJson.line(Failure.usage("--to \"x\": bad\\path")))
        .isEqualTo("{\"result\":\"usage\",\"error\":\"--to \\\"x\\\": bad\\\\path\"}");
    assertThat(CliJson.line(Failure.failed("no", "EPERM")))
        .isEqualTo("{\"result\":\"failed\",\"error\":\"no\",\"errno\":\"EPERM\"}");
  }
}
