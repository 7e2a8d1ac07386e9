package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void millisecondsHaveAtMostThreeDecimalsAndNoExponent() {
    assertThat(Json.millis(12.5).toPlainString()).isEqualTo("12.5");
    assertThat(Json.millis(300).toPlainString()).isEqualTo("300");
    assertThat(Json.millis(1e7).toPlainString()).isEqualTo("10000000");
    assertThat(Json.millis(0.1234).toPlainString()).isEqualTo("0.123");
    assertThat(Json.millis(0.0005).toPlainString()).isEqualTo("0.001");
    assertThat(Json.millis(1.5e-7).toPlainString()).isEqualTo("0");
    assertThat(Json.millis(-0.0).toPlainString()).isEqualTo("0");
    assertThat(Json.millis(Double.NaN)).isNull();
    assertThat(Json.millis(Double.POSITIVE_INFINITY)).isNull();
  }

  @Test
  void ratesAreWholeNumbers() {
    assertThat(Json.whole(2.019325446559297E8)).isEqualTo(201932545L);
    assertThat(Json.whole(0.4)).isZero();
    assertThat(Json.whole(Double.NaN)).isNull();
  }

  @Test
  void compactWritesOneLineOfAsciiWithPlainNumbers() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", new BigDecimal("1E+3"));
    m.put("b", List.of("é", "\n"));
    m.put("c", null);
    String json = Json.compact(m);
    assertThat(json).isEqualTo("{\"a\":1000,\"b\":[\"\\u00E9\",\"\\n\"]}");
    assertThat(MiniJson.object(json))
        .containsEntry("a", 1000L)
        .containsEntry("b", List.of("é", "\n"));
  }

  @Test
  void everyCharRoundTripsThroughAStrictParser() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      all.append(c);
    }
    String s = all.toString();
    String json = Json.compact(List.of(s));
    assertThat(json.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    assertThat(MiniJson.parse(json)).isEqualTo(List.of(s));
  }
}
