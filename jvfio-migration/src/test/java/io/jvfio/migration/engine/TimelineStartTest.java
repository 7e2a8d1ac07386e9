package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.InMemoryChannels;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Both ends' timelines start when their migration runs, not when the engine objects were built: a
 * VMM builds them early (hosts set up, workloads started), and the plot showed that wait as
 * migration time before "setup".
 */
class TimelineStartTest {
  /** How long the engines wait, built, before they run: far more than a migration here takes. */
  static final long IDLE_MS = 1500;

  @Test
  void theTimelinesStartWhenTheMigrationRuns() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log);
        InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20)) {
      MigrationDestination destination =
          new MigrationDestination(dst.devices, pair.b(), Rig.options(), ProgressListener.NONE);
      MigrationSource source =
          new MigrationSource(src.devices, pair.a(), Rig.options(), ProgressListener.NONE);
      Thread.sleep(IDLE_MS);
      CompletableFuture<MigrationReport> receiving =
          CompletableFuture.supplyAsync(
              destination::run, r -> Thread.ofPlatform().name("test-destination").start(r));
      MigrationReport sent = source.run();
      MigrationReport received = receiving.get(30, TimeUnit.SECONDS);
      assertThat(sent.completed()).as("source: %s", sent.error()).isTrue();
      assertThat(received.completed()).as("destination: %s", received.error()).isTrue();
      for (MigrationReport r : List.of(sent, received)) {
        assertThat(r.timeline()).isNotEmpty();
        assertThat(r.timeline().getFirst().tMillis())
            .as("%s: the first sample, ms after the migration began", r.side())
            .isLessThan(IDLE_MS);
      }
      assertThat(sent.downtimeStartMs()).as("the downtime's start").isLessThan(sent.totalMs());
    }
  }
}
