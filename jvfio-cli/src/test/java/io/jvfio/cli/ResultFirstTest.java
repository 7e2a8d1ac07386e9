package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.Terminal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What a command prints after a migration, in order: the progress line ended, then the result
 * (summary or JSON), then the plot, whose failure is one more line on standard error and loses
 * nothing else.
 */
class ResultFirstTest {
  @AfterEach
  void detectAgain() {
    System.clearProperty(Terminal.PROPERTY);
  }

  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  /** Runs {@code send} against a {@code receive --json} on loopback; returns the sender's run. */
  private static CliRun sendToAReceiver(boolean oneTerminal, String... sendArgs) {
    List<String> args = new ArrayList<>(List.of("--memdev-mib", "8"));
    args.addAll(List.of(sendArgs));
    Loopback ends =
        Loopback.migrate(
            List.of("--memdev-mib", "8"),
            args,
            oneTerminal ? CliRun::runOnOneTerminal : CliRun::run);
    assertThat(ends.received().code()).as(ends.received().both()).isZero();
    return ends.sent();
  }

  /** The line of {@code text} that contains {@code what}, and what comes right before it. */
  private static void assertStartsALine(String text, String what) {
    int at = text.indexOf(what);
    assertThat(at).as("%s in %s", what, text).isPositive();
    assertThat(text.charAt(at - 1)).as("the character before %s", what).isEqualTo('\n');
    int end = text.indexOf('\n', at);
    assertThat(text.substring(at, end)).doesNotContain("\r");
  }

  @Test
  void onATerminalTheDemosSummaryStartsOnALineOfItsOwn() {
    System.setProperty(Terminal.PROPERTY, "tty");
    CliRun r = CliRun.runOnOneTerminal("demo", "--memdev-mib", "8");
    assertThat(r.code()).as(r.out()).isZero();
    String text = r.out();
    assertThat(text).as("the progress was drawn in place").contains("\rprecopy");
    assertThat(text).contains("\rbuilding the source host (16 MiB of memdev memory) ...");
    assertStartsALine(text, "Migration completed (sender; digests are SHA-256)");
    // nothing is written after the progress but on a line of its own
    String afterProgress = text.substring(text.lastIndexOf('\r'));
    assertThat(afterProgress.lines().skip(1)).allMatch(l -> !l.contains("\r"));
  }

  @Test
  void onATerminalTheSendersSummaryStartsOnALineOfItsOwn() throws Exception {
    System.setProperty(Terminal.PROPERTY, "tty");
    CliRun sent = sendToAReceiver(true);
    assertThat(sent.code()).as(sent.out()).isZero();
    assertThat(sent.out()).contains("\r");
    assertStartsALine(sent.out(), "Migration completed (sender; digests are SHA-256)");
  }

  /** In a log (standard error redirected) the progress is plain lines with real numbers. */
  @Test
  void inALogTheProgressIsPlainLines() throws Exception {
    System.setProperty(Terminal.PROPERTY, "log");
    CliRun sent = sendToAReceiver(false);
    assertThat(sent.code()).as(sent.out() + sent.err()).isZero();
    assertThat(sent.err()).doesNotContain("\r").contains("] precopy  ").contains("] done: ");
    assertThat(sent.out()).startsWith("Migration completed (sender; digests are SHA-256)\n");
  }

  /**
   * A plot that passes the checks made before the work (a missing directory is a usage error then)
   * and fails when written: /dev/full takes the open and refuses every write (ENOSPC).
   */
  private static Path fullDevice() {
    Path full = Path.of("/dev/full");
    Assumptions.assumeTrue(Files.exists(full), "this test needs /dev/full");
    return full;
  }

  @Test
  void aPlotThatCannotBeWrittenLeavesACompletedSendAtExitCode0() throws Exception {
    Path plot = fullDevice();
    CliRun sent = sendToAReceiver(false, "--json", "--plot", plot.toString());
    assertThat(sent.code()).as(sent.err()).isZero();
    assertThat(sent.out()).startsWith("{\"result\":\"ok\",\"outcome\":\"completed\"");
    assertThat(sent.err().strip())
        .startsWith("jvfio migrate send: cannot write the plot /dev/full: ")
        .containsIgnoringCase("space")
        .doesNotContain("\n");
  }

  @Test
  void aPlotThatCannotBeWrittenLeavesTheDemosResult() {
    Path plot = fullDevice();
    CliRun r = run("demo", "--json", "--memdev-mib", "8", "--plot", plot.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("{\"result\":\"ok\"");
    assertThat(r.err().strip())
        .startsWith("jvfio demo: cannot write the plot /dev/full: ")
        .containsIgnoringCase("space")
        .doesNotContain("\n");
  }
}
