package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTest {
  @Test
  void aSettingWinsOverDetection() {
    assertThat(Terminal.mode("tty", false, null)).isEqualTo(Progress.Mode.TTY);
    assertThat(Terminal.mode("LOG", true, "xterm")).isEqualTo(Progress.Mode.LOG);
    assertThat(Terminal.mode(" off ", true, "xterm")).isEqualTo(Progress.Mode.OFF);
  }

  @Test
  void withoutASettingATerminalRedrawsAndAnythingElseLogs() {
    assertThat(Terminal.mode(null, true, "xterm-256color")).isEqualTo(Progress.Mode.TTY);
    assertThat(Terminal.mode(null, true, null)).isEqualTo(Progress.Mode.TTY);
    assertThat(Terminal.mode(null, false, "xterm")).isEqualTo(Progress.Mode.LOG);
    // a terminal that cannot move the cursor back gets log lines
    assertThat(Terminal.mode(null, true, "dumb")).isEqualTo(Progress.Mode.LOG);
    // a setting that is not a mode is ignored
    assertThat(Terminal.mode("fancy", false, "xterm")).isEqualTo(Progress.Mode.LOG);
  }

  /** Under the test runner standard error is a pipe or a file, never a terminal. */
  @Test
  void theTestRunnersStandardErrorIsNotATerminal() {
    assertThat(Terminal.isTerminal(2)).isFalse();
    assertThat(Terminal.isTerminal(-1)).isFalse();
  }
}
