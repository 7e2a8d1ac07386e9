package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.engine.ProgressListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The progress display, against a fake clock and a captured stream. */
class ProgressTest {
  private static final long MS = 1_000_000L;
  private static final long MIB = 1L << 20;

  private final StringWriter written = new StringWriter();
  private final PrintWriter out = new PrintWriter(written);
  private final AtomicLong now = new AtomicLong(-7_000 * MS); // nanoTime may be negative

  private Progress progress(Progress.Mode mode) {
    return new Progress(out, mode, "sent", now::get);
  }

  private String output() {
    return written.toString();
  }

  private int redraws() {
    return (int) output().chars().filter(c -> c == '\r').count();
  }

  // ---- a terminal ------------------------------------------------------------------------------

  @Test
  void ttyRedrawsOneLineInPlaceAndEndsItAtFinish() {
    Progress p = progress(Progress.Mode.TTY);
    p.phase("precopy");
    p.progress(10 * MIB, 30 * MIB, 5 * MIB);
    now.addAndGet(200 * MS);
    p.progress(20 * MIB, 20 * MIB, 10 * MIB);
    assertThat(output())
        .startsWith("\rprecopy  0 B sent")
        .endsWith("\rprecopy  20.0 MiB sent, about 20.0 MiB left  10.0 MiB/s  ETA 0:02")
        .doesNotContain("\n");
    p.finish();
    assertThat(output()).endsWith("ETA 0:02\n");
    // finished: nothing more, whatever is called
    int length = output().length();
    p.progress(30 * MIB, 10 * MIB, MIB);
    p.phase("stop-copy");
    p.step("late");
    p.finish();
    assertThat(output()).hasSize(length);
  }

  @Test
  void ttyRedrawsAtMostTenTimesASecond() {
    Progress p = progress(Progress.Mode.TTY);
    for (int i = 0; i < 1000; i++) {
      p.progress(i * 4096L, (1000 - i) * 4096L, 4096 * 1000.0);
      now.addAndGet(MS); // 1000 updates over one second
    }
    assertThat(redraws()).isBetween(9, 11);
  }

  @Test
  void ttyDrawsAPhaseOrStepChangeAtOnce() {
    Progress p = progress(Progress.Mode.TTY);
    p.phase("precopy");
    p.progress(1, 100, 1);
    p.progress(2, 100, 1);
    assertThat(redraws()).isEqualTo(1);
    p.phase("stop-copy");
    assertThat(redraws()).isEqualTo(2);
    assertThat(output()).endsWith("\rstop-copy  2 B sent, about 100 B left  1 B/s  ETA 1:40");
    p.step("computing the SHA-256 digests");
    assertThat(output()).contains("\rcomputing the SHA-256 digests ...");
  }

  @Test
  void ttyFinishDrawsTheLastStateItHadNotDrawnYet() {
    Progress p = progress(Progress.Mode.TTY);
    p.progress(1 * MIB, MIB, MIB);
    now.addAndGet(10 * MS);
    p.progress(2 * MIB, 0, MIB); // within 100 ms: not drawn
    assertThat(output()).doesNotContain("2.00 MiB sent");
    p.finish();
    assertThat(output()).endsWith("\n");
    // the redraw is padded to cover the longer line before it
    assertThat(output().stripTrailing())
        .endsWith("\rmigrating  2.00 MiB sent, about 0 B left  1.00 MiB/s  ETA 0:00");
  }

  @Test
  void aShorterLineCoversTheLongerOne() {
    Progress p = progress(Progress.Mode.TTY);
    p.phase("stop-copy");
    now.addAndGet(200 * MS);
    p.progress(123 * MIB, 400 * MIB, 100 * MIB);
    String longer = output().substring(output().lastIndexOf('\r') + 1);
    p.phase("done");
    String shorter = output().substring(output().lastIndexOf('\r'));
    assertThat(shorter.length() - 1).isEqualTo(longer.length());
    assertThat(shorter.stripTrailing())
        .isEqualTo("\rdone  123 MiB sent, about 400 MiB left  100 MiB/s  ETA 0:04");
  }

  // ---- a log -----------------------------------------------------------------------------------

  /** Lines of the log with the time prefix taken off. */
  private List<String> logLines() {
    List<String> lines = new ArrayList<>();
    for (String l : output().lines().toList()) {
      assertThat(l).matches("\\[ *[0-9]+\\.[0-9] s\\] .*");
      lines.add(l.substring(l.indexOf("] ") + 2));
    }
    return lines;
  }

  @Test
  void aLogGetsOneLineEveryPeriodWithRealNumbersAndNoCarriageReturn() {
    Progress p = progress(Progress.Mode.LOG);
    p.step("building the source host");
    now.addAndGet(3_000 * MS);
    p.phase("precopy");
    // 60 s of precopy at 2 MiB/s, an update every 50 ms
    for (int i = 1; i <= 1200; i++) {
      now.addAndGet(50 * MS);
      p.progress(i * 100L * 1024, 1200L * 100 * 1024 - i * 100L * 1024, 2.0 * MIB);
    }
    p.phase("stop-copy");
    p.finish();

    assertThat(output()).doesNotContain("\r");
    List<String> lines = logLines();
    assertThat(lines.getFirst()).isEqualTo("building the source host ...");
    assertThat(lines.get(1)).isEqualTo("precopy  0 B sent");
    // one line per period of the clock over the 60 s of precopy, each with the numbers then
    long updatesPerPeriod = Progress.LOG_PERIOD_NANOS / (50 * MS);
    List<String> periodic = lines.subList(2, lines.size() - 2);
    assertThat(periodic).hasSize((int) (1200 / updatesPerPeriod));
    for (int k = 0; k < periodic.size(); k++) {
      long sent = (k + 1) * updatesPerPeriod * 100 * 1024; // an update is 100 KiB
      assertThat(periodic.get(k))
          .startsWith("precopy  " + Units.bytes(sent) + " sent, about ")
          .contains("2.00 MiB/s")
          .doesNotContain("--");
    }
    assertThat(lines.get(lines.size() - 2)).startsWith("stop-copy  117 MiB sent");
    assertThat(lines.getLast()).isEqualTo("done: 117 MiB sent");
    assertThat(output()).contains("[   63.0 s] done: 117 MiB sent");
  }

  @Test
  void aLogWritesEveryStepAndPhaseChange() {
    Progress p = progress(Progress.Mode.LOG);
    for (String phase : List.of("setup", "precopy", "stop-copy", "completing")) {
      p.phase(phase);
      p.progress(MIB, -1, Double.NaN);
      now.addAndGet(MS);
    }
    p.step("computing the digests");
    p.finish();
    assertThat(logLines())
        .containsExactly(
            "setup  0 B sent",
            "precopy  1.00 MiB sent",
            "stop-copy  1.00 MiB sent",
            "completing  1.00 MiB sent",
            "computing the digests ...",
            "done: 1.00 MiB sent");
  }

  // ---- numbers ---------------------------------------------------------------------------------

  /**
   * No total is shown, so none can shrink: as the estimate of what is left drops faster than bytes
   * move, each line says what is left now.
   */
  @Test
  void anEstimateThatDropsIsShownAsWhatIsLeftNeverAsAShrinkingTotal() {
    Progress p = progress(Progress.Mode.LOG);
    long[] left = {100 * MIB, 60 * MIB, 61 * MIB, 10 * MIB, 0};
    for (int i = 0; i < left.length; i++) {
      now.addAndGet(Progress.LOG_PERIOD_NANOS);
      p.progress((i + 1) * MIB, left[i], MIB);
    }
    List<String> lines = logLines();
    assertThat(lines).hasSize(left.length);
    for (int i = 0; i < left.length; i++) {
      assertThat(lines.get(i))
          .isEqualTo(
              "migrating  "
                  + Units.bytes((i + 1) * MIB)
                  + " sent, about "
                  + Units.bytes(left[i])
                  + " left  1.00 MiB/s  ETA "
                  + Units.clock(left[i] / (double) MIB));
      assertThat(lines.get(i)).doesNotContain(" / ").doesNotContain("%");
    }
  }

  /** A receiver gives no rate: the display measures one over its clock, and shows none before. */
  @Test
  void aRateTheEngineDoesNotKnowIsMeasuredOverTheClock() {
    Progress p = new Progress(out, Progress.Mode.TTY, "received", now::get);
    p.phase("resuming");
    p.progress(0, -1, Double.NaN);
    now.addAndGet(500 * MS);
    p.progress(4 * MIB, -1, Double.NaN);
    assertThat(output()).endsWith("\rresuming  4.00 MiB received").doesNotContain("B/s");
    now.addAndGet(500 * MS);
    p.progress(8 * MIB, -1, 0);
    assertThat(output()).endsWith("\rresuming  8.00 MiB received  8.00 MiB/s");
    now.addAndGet(2000 * MS);
    p.progress(12 * MIB, -1, Double.NaN);
    assertThat(output()).endsWith("\rresuming  12.0 MiB received  2.00 MiB/s");
  }

  // ---- off, empty, threads ---------------------------------------------------------------------

  @Test
  void offWritesNothing() {
    Progress p = progress(Progress.Mode.OFF);
    p.step("building");
    p.phase("precopy");
    p.progress(MIB, MIB, MIB);
    p.finish();
    assertThat(output()).isEmpty();
  }

  @Test
  void finishWithoutAnythingShownPrintsNothing() {
    progress(Progress.Mode.TTY).finish();
    progress(Progress.Mode.LOG).finish();
    assertThat(output()).isEmpty();
  }

  @Test
  void finishFromAnotherThreadEndsTheLineOnceAndUpdatesStop() throws Exception {
    Progress p = progress(Progress.Mode.TTY);
    ProgressListener engine = p;
    CountDownLatch started = new CountDownLatch(1);
    Thread t =
        Thread.ofPlatform()
            .start(() -> {
              for (int i = 0; i < 200_000; i++) {
                engine.progress(i, 1000, 1000);
                now.addAndGet(MS);
                if (i == 100) {
                  started.countDown();
                }
              }
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    p.finish();
    t.join();
    String s = output();
    assertThat(s).endsWith("\n");
    assertThat(s.chars().filter(c -> c == '\n').count()).isEqualTo(1);
  }

  private static final Pattern ETA = Pattern.compile("ETA ([0-9:]+)");

  @Test
  void theEtaIsWhatIsLeftAtTheRate() {
    Progress p = progress(Progress.Mode.TTY);
    p.progress(0, 90 * MIB, 3 * MIB);
    Matcher m = ETA.matcher(output());
    assertThat(m.find()).isTrue();
    assertThat(m.group(1)).isEqualTo("0:30");
  }
}
