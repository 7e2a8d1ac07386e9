package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Auto-converge in the engine: a guest that dirties RAM faster than precopy moves it gets its vCPUs
 * throttled during precopy, and whatever the outcome the throttle is gone when the migration ends
 * (a VM left throttled after a failed migration would run slow for good).
 */
class AutoConvergeMigrationTest {
  static final long RAM = 8L << 20;

  /**
   * A vCPU driven by the engine's loop: each precopy loop it writes more pages than a loop sends
   * ({@value #PER_LOOP} against 256), less its throttle, and notes the highest throttle it saw.
   */
  static final class Greedy extends PrecopyLoops {
    static final int PER_LOOP = 400;
    private final GuestRam ram;
    private final SplittableRandom random = new SplittableRandom(3);
    int highestThrottle;

    Greedy(GuestRam ram) {
      this.ram = ram;
    }

    @Override
    void loop() {
      int throttle = ram.cpuThrottlePercent();
      highestThrottle = Math.max(highestThrottle, throttle);
      ram.asVcpu(() -> {
        for (int i = 0; i < PER_LOOP * (100 - throttle) / 100; i++) {
          ram.cpuWrite(8L * random.nextLong(RAM / 8), random.nextLong() | 1);
        }
      });
    }
  }

  record Outcome(MigrationReport sent, MigrationReport received, GuestRam ram, Greedy vcpu) {}

  /** A migration no switchover can finish within its limit, so precopy runs its whole 600 ms. */
  private static Outcome migrate(boolean autoConverge, MigrationOptions.NoConvergence then)
      throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      GuestRam srcRam = src.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRam dstRam = dst.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRamMigrationTest.fillHalf(srcRam, 17);
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofMillis(600))
              .withOnNoConvergence(then)
              .withAutoConverge(autoConverge);
      Greedy vcpu = new Greedy(srcRam);
      // weighed every 20 ms rather than QEMU's second, so 600 ms hold many periods
      Rig.Outcome o =
          Rig.migrateVm(
              src,
              srcRam,
              dst,
              dstRam,
              options,
              vcpu,
              s -> s.autoConvergePeriod(Duration.ofMillis(20)));
      return new Outcome(o.source(), o.destination(), srcRam, vcpu);
    }
  }

  @Test
  void aGuestDirtyingFasterThanPrecopyIsThrottledAndReleasedAtTheEnd() throws Exception {
    Outcome o = migrate(true, MigrationOptions.NoConvergence.SWITCHOVER);
    assertThat(o.sent().completed()).as("source: %s", o.sent().error()).isTrue();
    assertThat(o.received().guestRam().digest()).isEqualTo(o.sent().guestRam().digest());
    assertThat(o.vcpu().highestThrottle)
        .as("the throttle the vCPU ran under")
        .isGreaterThanOrEqualTo(AutoConverge.INITIAL);
    assertThat(o.sent().guestRam().cpuThrottlePercent()).isEqualTo(o.vcpu().highestThrottle);
    assertThat(o.ram().cpuThrottlePercent()).as("the throttle after the migration").isZero();
  }

  @Test
  void aFailedMigrationLeavesTheVmRunningUnthrottled() throws Exception {
    Outcome o = migrate(true, MigrationOptions.NoConvergence.FAIL);
    assertThat(o.sent().completed()).isFalse();
    assertThat(o.sent().error()).contains("did not converge");
    assertThat(o.vcpu().highestThrottle).isGreaterThanOrEqualTo(AutoConverge.INITIAL);
    assertThat(o.ram().cpusPaused()).isFalse();
    assertThat(o.ram().cpuThrottlePercent()).as("the throttle after the failure").isZero();
  }

  @Test
  void withoutAutoConvergeTheGuestIsNeverThrottled() throws Exception {
    Outcome o = migrate(false, MigrationOptions.NoConvergence.SWITCHOVER);
    assertThat(o.sent().completed()).as("source: %s", o.sent().error()).isTrue();
    assertThat(o.vcpu().highestThrottle).isZero();
    assertThat(o.sent().guestRam().cpuThrottlePercent()).isZero();
  }
}
