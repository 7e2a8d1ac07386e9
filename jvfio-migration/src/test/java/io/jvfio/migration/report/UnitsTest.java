package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnitsTest {
  @Test
  void bytes() {
    assertThat(Units.bytes(0)).isEqualTo("0 B");
    assertThat(Units.bytes(1023)).isEqualTo("1023 B");
    assertThat(Units.bytes(1024)).isEqualTo("1.00 KiB");
    assertThat(Units.bytes(1536)).isEqualTo("1.50 KiB");
    assertThat(Units.bytes(12 << 10)).isEqualTo("12.0 KiB");
    assertThat(Units.bytes(512 << 10)).isEqualTo("512 KiB");
    assertThat(Units.bytes(1023.9 * 1024)).isEqualTo("1.00 MiB");
    assertThat(Units.bytes(4L << 20)).isEqualTo("4.00 MiB");
    assertThat(Units.bytes(3L << 40)).isEqualTo("3.00 TiB");
    assertThat(Units.bytes(Long.MAX_VALUE)).isEqualTo("8.00 EiB");
    assertThat(Units.bytes(-2048)).isEqualTo("-2.00 KiB");
    assertThat(Units.bytes(Double.NaN)).isEqualTo("?");
  }

  @Test
  void rates() {
    assertThat(Units.rate(5 << 20)).isEqualTo("5.00 MiB/s");
    assertThat(Units.mibPerSecond(3.5 * 1024 * 1024)).isEqualTo("3.50 MiB/s");
    assertThat(Units.mibPerSecond(0)).isEqualTo("0.00 MiB/s");
    assertThat(Units.mibPerSecond(Double.NaN)).isEqualTo("? MiB/s");
  }

  @Test
  void times() {
    assertThat(Units.millis(12.5)).isEqualTo("12.5 ms");
    assertThat(Units.millis(300)).isEqualTo("300 ms");
    assertThat(Units.millis(0.1234)).isEqualTo("0.123 ms");
    assertThat(Units.duration(850)).isEqualTo("850 ms");
    assertThat(Units.duration(1234)).isEqualTo("1.234 s");
    assertThat(Units.duration(125_000)).isEqualTo("2 min 05 s");
    assertThat(Units.duration(3_725_000)).isEqualTo("1 h 02 min");
    assertThat(Units.clock(0)).isEqualTo("0:00");
    assertThat(Units.clock(6.2)).isEqualTo("0:07");
    assertThat(Units.clock(750)).isEqualTo("12:30");
    assertThat(Units.clock(3723)).isEqualTo("1:02:03");
    assertThat(Units.clock(Double.NaN)).isEqualTo("--:--");
    assertThat(Units.clock(-1)).isEqualTo("--:--");
  }
}
