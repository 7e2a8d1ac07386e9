package io.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The migration bench end to end on small devices, and its option checks. */
class MigrationBenchTest {
  @Test
  void aSmallRunMeasuresBothSidesAndBothEndsAgree() throws Exception {
    MigrationBench.Options o = new MigrationBench.Options(8, 1, List.of(300), 2, 2000, 1);
    MigrationBench.Result r = MigrationBench.run(o, null);

    assertThat(r.rounds()).hasSize(2);
    assertThat(r.rounds().get(0).warmup()).isTrue();
    MigrationBench.Round round = r.rounds().get(1);
    assertThat(round.warmup()).isFalse();
    assertThat(round.bytes()).isGreaterThan(2L * 8 << 20);
    assertThat(round.rawBytesPerSec()).isPositive();
    assertThat(round.migrationBytesPerSec()).isPositive();
    assertThat(r.medianRatio()).isEqualTo(round.ratio());
    // both JVMs worked on both transfers (the source at least copies every byte into the socket)
    assertThat(round.rawCpu().sourceNanos()).isPositive();
    assertThat(round.migrationCpu().sourceNanos()).isPositive();
    assertThat(round.migrationCpu().destinationNanos()).isPositive();
    assertThat(r.runs()).hasSize(2);
    assertThat(r.runs())
        .allSatisfy(run -> {
          assertThat(run.completed()).as("run: %s", run.error()).isTrue();
          assertThat(run.endsAgree()).isTrue();
          assertThat(run.sourceDowntimeMs()).isPositive();
        });
    assertThat(r.table())
        .contains("2 memdev x 8 MiB")
        .contains("median ratio")
        .containsPattern("(?m)^ +warm  ")
        .containsPattern("(?m)^ +1  ")
        .contains("of 2 within the 300 ms limit");
  }

  @Test
  void optionsOutOfRangeAreRefusedWithTheirName() {
    assertThatThrownBy(() -> MigrationBench.Options.standard().withMemdevMib(0))
        .hasMessageContaining("memdev size");
    assertThatThrownBy(() -> MigrationBench.Options.standard().withLimits(List.of(0)))
        .hasMessageContaining("downtime limit");
    assertThatThrownBy(() -> MigrationBench.Options.standard().withRunsPerLimit(-1))
        .hasMessageContaining("runs per limit");
    assertThatThrownBy(() -> MigrationBench.Options.standard().withDirtyRate(Double.NaN))
        .hasMessageContaining("dirty rate");
  }

  @Test
  void aRunOverItsLimitOrWithDisagreeingEndsIsFlagged() {
    MigrationBench.Run over = new MigrationBench.Run(100, true, 120.5, 120.5, 900, 1, null);
    MigrationBench.Run split = new MigrationBench.Run(100, true, 20.0, 35.0, 900, 1, null);
    MigrationBench.Result r =
        new MigrationBench.Result(
            MigrationBench.Options.quick().withLimits(List.of(100)),
            List.of(),
            List.of(over, split));
    assertThat(over.withinLimit()).isFalse();
    assertThat(split.endsAgree()).isFalse();
    assertThat(r.table()).contains("OVER").contains("the ends disagree").contains("1 of 2 within");
    assertThat(r.downtimeKept()).isFalse();
    assertThat(r.shortfall())
        .isEqualTo("2 of 2 downtime runs failed, went over their limit or the ends disagreed");
  }

  @Test
  void theThroughputTargetIsJudgedOnTheMedianOfTheMeasuredRounds() {
    MigrationBench.Cpu cpu = new MigrationBench.Cpu(1, 1);
    // the warm-up round is far below and must not count; the median of 0.80, 0.86, 0.90 is 0.86
    List<MigrationBench.Round> met =
        List.of(
            new MigrationBench.Round(100, 100, 10, true, cpu, cpu),
            new MigrationBench.Round(100, 100, 80, false, cpu, cpu),
            new MigrationBench.Round(100, 100, 90, false, cpu, cpu),
            new MigrationBench.Round(100, 100, 86, false, cpu, cpu));
    MigrationBench.Result ok =
        new MigrationBench.Result(MigrationBench.Options.quick(), met, List.of());
    assertThat(ok.throughputMet()).isTrue();
    assertThat(ok.shortfall()).isNull();
    assertThat(ok.table()).contains("median ratio 0.860, target 0.85: met");

    List<MigrationBench.Round> missed =
        List.of(
            new MigrationBench.Round(100, 100, 84, false, cpu, cpu),
            new MigrationBench.Round(100, 100, 95, false, cpu, cpu),
            new MigrationBench.Round(100, 100, 70, false, cpu, cpu));
    MigrationBench.Result low =
        new MigrationBench.Result(MigrationBench.Options.quick(), missed, List.of());
    assertThat(low.throughputMet()).isFalse();
    assertThat(low.shortfall())
        .isEqualTo("the median throughput ratio 0.840 is below the target of 0.85");
    assertThat(low.table()).contains("target 0.85: NOT met");
  }
}
