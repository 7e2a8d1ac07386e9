package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void plainStringsAreQuoted() {
    assertThat(Json.string("abc")).isEqualTo("\"abc\"");
    assertThat(Json.string("")).isEqualTo("\"\"");
    assertThat(Json.string(null)).isEqualTo("null");
  }

  @Test
  void shortEscapes() {
    assertThat(Json.string("\"\\\n\r\t\b\f")).isEqualTo("\"\\\"\\\\\\n\\r\\t\\b\\f\"");
  }

  @Test
  void controlCharactersBecomeUnicodeEscapes() {
    assertThat(Json.string("\u0000\u0001\u001f\u007f"))
        .isEqualTo("\"\\u0000\\u0001\\u001f\\u007f\"");
  }

  @Test
  void jsLineSeparatorsAndLoneSurrogatesAreEscaped() {
    assertThat(Json.string("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
    assertThat(Json.string("a\ud800b")).isEqualTo("\"a\\ud800b\"");
    assertThat(Json.string("\udc00")).isEqualTo("\"\\udc00\"");
    // a proper pair stays as it is
    assertThat(Json.string("😀")).isEqualTo("\"😀\"");
    assertThat(Json.string("/é")).isEqualTo("\"/é\"");
  }

  @Test
  void everyCharRoundTripsThroughAStrictParser() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      all.append(c);
    }
    String s = all.toString();
    assertThat(MiniJson.parse(Json.string(s))).isEqualTo(s);
  }

  @Test
  void numbers() {
    assertThat(Json.number(0)).isEqualTo("0");
    assertThat(Json.number(-0.0)).isEqualTo("0");
    assertThat(Json.number(12)).isEqualTo("12");
    assertThat(Json.number(12.5)).isEqualTo("12.5");
    assertThat(Json.number(1e20)).isEqualTo("1.0E20");
    assertThat(Json.number(Double.NaN)).isEqualTo("null");
    assertThat(Json.number(Double.NEGATIVE_INFINITY)).isEqualTo("null");
    assertThat(MiniJson.parse(Json.number(1e20))).isEqualTo(1e20);
    assertThat(MiniJson.parse(Json.number(1.5e-7))).isEqualTo(1.5e-7);
  }
}
