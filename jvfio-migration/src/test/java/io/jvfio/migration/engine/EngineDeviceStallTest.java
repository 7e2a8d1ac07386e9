package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.uapi.vfio.MigrationState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A source device whose saving fd never gets data (a real driver still preparing it, forever): the
 * engine's read of that fd must end within the read wait (the peer timeout), fail the migration
 * with ETIMEDOUT naming the device, and run the source devices again with their content. Each case
 * runs under a hard limit, so a read without a deadline shows as a failure instead of a hang.
 */
class EngineDeviceStallTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);

  /** What a stalled case may take beyond the read wait (abort, recovery, a loaded machine). */
  private static final long SLACK_MS = 2_500;

  /** The hard limit of a case: far beyond the bound, far below "hangs". */
  private static final Duration HARD_LIMIT = Duration.ofSeconds(20);

  /** STOP_COPY, P2P and PRE_COPY. */
  private static final long FLAGS = 0x7;

  /** Precopy ends by then even on a loaded machine, where a slow link may look unconverged. */
  private static final Duration MAX_PRECOPY = Duration.ofSeconds(2);

  private static MigrationOptions options() {
    return Rig.options()
        .withPeerTimeout(PEER_TIMEOUT)
        .withMaxPrecopy(MAX_PRECOPY)
        .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
  }

  @Test
  void deviceThatNeverHasStopCopyData() {
    stallsIn(MigrationState.STOP_COPY);
  }

  @Test
  void deviceThatNeverHasPrecopyData() {
    stallsIn(MigrationState.PRE_COPY);
  }

  private static void stallsIn(MigrationState state) {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          List<Rig.Spec> specs = List.of(Rig.Spec.memdev(FLAGS, 2L << 20, 0));
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End src =
                  new Rig.End("src", specs, log, sys -> new StallingSyscalls(sys, state));
              Rig.End dst = new Rig.End("dst", specs, log)) {
            src.fill(811);
            List<String> before = src.digests();
            long t0 = System.nanoTime();
            Rig.Outcome o = Rig.migrate(src, dst, Rig.options().withPeerTimeout(PEER_TIMEOUT));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;

            MigrationReport r = o.source();
            Rig.assertSourceRecovered(src, before, r);
            assertThat(r.errno()).as("source errno (error %s)", r.error()).isEqualTo("ETIMEDOUT");
            assertThat(r.error())
                .contains("read(data fd of " + Rig.cdev(0) + ")")
                .contains("read wait of " + PEER_TIMEOUT.toMillis() + " ms");
            assertThat(tookMs)
                .as("the migration ended within its precopy, the read wait and slack")
                .isLessThan(MAX_PRECOPY.toMillis() + PEER_TIMEOUT.toMillis() + SLACK_MS);
            if (state == MigrationState.STOP_COPY) {
              assertThat(r.downtimeMs())
                  .as("the devices ran again within the read wait plus slack")
                  .isLessThan(PEER_TIMEOUT.toMillis() + SLACK_MS);
            }
            Rig.assertDestinationClean(dst, o.destination(), log, specs);
          }
        });
  }
}
