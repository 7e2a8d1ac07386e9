package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.engine.ProgressListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final long MS = 1_000_000L;
  private static final long MIB = 1L << 20;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong now = new AtomicLong(1_000 * MS);

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private int redraws() {
    return (int) output().chars().filter(c -> c == '\r').count();
  }

  @Test
  void ttyRedrawsOneLineInPlace() {
    Progress p = new Progress(out, true, now::get);
    p.update("precopy", 10 * MIB, 40 * MIB, 5 * MIB);
    assertThat(output()).isEqualTo("\rprecopy  10.0 MiB / 40.0 MiB ( 25%)  5.00 MiB/s  ETA 0:06");
    now.addAndGet(200 * MS);
    p.update("precopy", 20 * MIB, 40 * MIB, 10 * MIB);
    assertThat(output()).endsWith("\rprecopy  20.0 MiB / 40.0 MiB ( 50%)  10.0 MiB/s  ETA 0:02");
    assertThat(output()).doesNotContain("\n");
  }

  @Test
  void ttyRedrawsAtMostTenTimesASecond() {
    Progress p = new Progress(out, true, now::get);
    for (int i = 0; i < 1000; i++) {
      p.update("precopy", i * 4096L, 1000 * 4096L, 4096 * 1000.0);
      now.addAndGet(MS); // 1000 updates over one second
    }
    assertThat(redraws()).isBetween(9, 11);
  }

  @Test
  void aPhaseChangeIsDrawnAtOnce() {
    Progress p = new Progress(out, true, now::get);
    p.update("precopy", 1, 100, 1);
    p.update("precopy", 2, 100, 1);
    assertThat(redraws()).isEqualTo(1);
    p.update("stop-copy", 3, 100, 1);
    assertThat(redraws()).isEqualTo(2);
    assertThat(output()).contains("\rstop-copy  3 B / 100 B");
  }

  @Test
  void aShorterLineCoversTheLongerOne() {
    Progress p = new Progress(out, true, now::get);
    p.update("stop-copy", 123 * MIB, 400 * MIB, 100 * MIB);
    String first = output().substring(1);
    bytes.reset();
    p.update("done", 0, 0, 0);
    String second = output();
    assertThat(second).startsWith("\rdone  0 B  0 B/s");
    assertThat(second.length() - 1).isEqualTo(first.length());
    assertThat(second.stripTrailing()).isEqualTo("\rdone  0 B  0 B/s");
  }

  @Test
  void finishDrawsTheLastStateAndEndsTheLine() {
    Progress p = new Progress(out, true, now::get);
    p.update("precopy", 1 * MIB, 2 * MIB, MIB);
    now.addAndGet(10 * MS);
    p.update("precopy", 2 * MIB, 2 * MIB, MIB); // throttled
    assertThat(output()).doesNotContain("2.00 MiB /");
    p.finish();
    assertThat(output()).endsWith("\rprecopy  2.00 MiB / 2.00 MiB (100%)  1.00 MiB/s  ETA 0:00\n");
    // finished: nothing more
    int length = output().length();
    p.update("precopy", 3 * MIB, 4 * MIB, MIB);
    p.finish();
    assertThat(output()).hasSize(length);
  }

  @Test
  void finishWithoutAnyUpdatePrintsNothing() {
    new Progress(out, true, now::get).finish();
    new Progress(out, false, now::get).finish();
    assertThat(output()).isEmpty();
  }

  @Test
  void unknownTotalAndRate() {
    Progress p = new Progress(out, true, now::get);
    p.update("setup", 0, 0, Double.NaN);
    assertThat(output()).isEqualTo("\rsetup  0 B  -- B/s");
    p.update("precopy", 5, 10, 0);
    assertThat(output()).endsWith("\rprecopy  5 B / 10 B ( 50%)  0 B/s  ETA --:--");
  }

  @Test
  void notATtyWritesOneLinePerPhase() {
    Progress p = new Progress(out, false, now::get);
    String[] phases = {"setup", "precopy", "stop-copy"};
    for (String phase : phases) {
      for (int i = 0; i < 300; i++) {
        p.update(phase, i * MIB, 400 * MIB, 50 * MIB);
        now.addAndGet(7 * MS);
      }
    }
    p.finish();
    List<String> lines = output().lines().toList();
    assertThat(output()).doesNotContain("\r");
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("setup  0 B / 400 MiB");
    assertThat(lines.get(1)).startsWith("precopy  0 B / 400 MiB");
    assertThat(lines.get(2)).startsWith("stop-copy  0 B");
    assertThat(lines.get(3)).startsWith("done: stop-copy  299 MiB / 400 MiB");
  }

  @Test
  void itListensToTheEngine() {
    Progress p = new Progress(out, false, now::get);
    ProgressListener l = p;
    l.phase("setup");
    l.progress(0, 8 * MIB, 0);
    l.phase("precopy");
    l.progress(4 * MIB, 4 * MIB, 2 * MIB);
    l.progress(6 * MIB, 3 * MIB, 2 * MIB);
    l.phase("stop-copy");
    p.finish();
    List<String> lines = output().lines().toList();
    assertThat(lines)
        .containsExactly(
            "setup  0 B  -- B/s",
            "precopy  0 B / 8.00 MiB (  0%)  0 B/s  ETA --:--",
            "stop-copy  6.00 MiB / 9.00 MiB ( 67%)  2.00 MiB/s  ETA 0:02",
            "done: stop-copy  6.00 MiB / 9.00 MiB ( 67%)  2.00 MiB/s  ETA 0:02");
  }

  @Test
  void etaCountsHoursToo() {
    Progress p = new Progress(out, true, now::get);
    p.update("precopy", 0, 3600L * 2 * MIB + 3 * MIB, MIB);
    assertThat(output()).endsWith("ETA 2:00:03");
  }

  @Test
  void safeFromSeveralThreads() throws Exception {
    Progress p = new Progress(out, true, System::nanoTime);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      threads.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                for (int i = 0; i < 20_000; i++) {
                  p.update(i % 1000 == 0 ? "phase" + id : "precopy", i, 20_000, 1e6);
                }
              }));
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    p.finish();
    String s = output();
    assertThat(s).endsWith("\n").startsWith("\r");
    assertThat(s.indexOf('\n')).isEqualTo(s.length() - 1);
    // every redraw is a whole line: "\r" then a phase name
    for (String part : s.strip().split("\r")) {
      assertThat(part).matches("(precopy|phase\\d)  .*");
    }
  }
}
