package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.migration.report.MigrationReport.DeviceReport;
import io.jvfio.migration.report.MigrationReport.Sample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationReportTest {
  @Test
  void aCompletedReport() {
    MigrationReport r = Reports.completed();
    assertThat(r.completed()).isTrue();
    assertThat(r.errorText()).isEmpty();
    assertThat(r.error()).isNull();
    assertThat(r.recovery()).isEmpty();
    assertThat(r.totalBytes()).isEqualTo((4L << 20) + (12 << 10) + 160 + 48);
    assertThat(r.devices().getFirst().totalBytes()).isEqualTo((4L << 20) + (12 << 10));
  }

  @Test
  void aFailedReport() {
    MigrationReport r = Reports.failed();
    assertThat(r.completed()).isFalse();
    assertThat(r.errorText()).contains("the destination refused the stream:\nbad checksum");
    assertThat(r.recovery()).hasSize(2);
  }

  @Test
  void withErrorKeepsTheRest() {
    MigrationReport r = Reports.completed().withError("late failure", List.of("note"));
    assertThat(r.error()).isEqualTo("late failure");
    assertThat(r.recovery()).containsExactly("note");
    assertThat(r.devices()).isEqualTo(Reports.completed().devices());
    assertThat(r.timeline()).isEqualTo(Reports.completed().timeline());
  }

  @Test
  void listsAreCopied() {
    List<DeviceReport> devices = new ArrayList<>();
    devices.add(new DeviceReport("0000:05:00.0", "memdev", null, 1, 2, 0, "RUNNING"));
    List<Sample> samples = new ArrayList<>(List.of(new Sample(0, 0, 0, "setup")));
    MigrationReport r = new MigrationReport("completed", devices, 1, 1, 1, samples);
    devices.clear();
    samples.clear();
    assertThat(r.devices()).hasSize(1);
    assertThat(r.timeline()).hasSize(1);
    assertThatThrownBy(() -> r.devices().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void nullRecoveryIsEmpty() {
    MigrationReport r = new MigrationReport("failed", List.of(), 0, 0, 0, List.of(), "x", null);
    assertThat(r.recovery()).isEmpty();
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new MigrationReport(null, List.of(), 0, 0, 0, List.of()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new MigrationReport("completed", List.of(), 0, -1, 0, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DeviceReport("0000:05:00.0", "m", null, -1, 0, 0, "RUNNING"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0000:05:00.0");
    assertThatThrownBy(() -> new DeviceReport(null, "m", null, 0, 0, 0, "RUNNING"))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Sample(0, 0, 0, null)).isInstanceOf(NullPointerException.class);
  }
}
