package io.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvfio.bench.ScaleRatios.Options;
import io.jvfio.bench.ScaleRatios.Ratio;
import io.jvfio.bench.ScaleRatios.Result;
import io.jvfio.host.pci.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The arithmetic, the table and the generated topologies, without a JMH run. */
class ScaleRatiosTest {
  @Test
  void theRatioIsLargeOverSmallAndTheTableMarksWhatIsOverTheTarget() {
    List<ScaleRatios.Row> rows = ScaleRatios.rows(false);
    Result r =
        new Result(
            Options.standard(),
            List.of(new Ratio(rows.get(0), 2_000, 30_000), new Ratio(rows.get(4), 900, 2.7e6)));
    assertThat(r.ratios().get(0).ratio()).isCloseTo(15.0, within(1e-9));
    assertThat(r.ratios().get(1).withinTarget()).isFalse();
    assertThat(r.allWithinTarget()).isFalse();
    assertThat(r.table().lines().skip(2))
        .containsExactly(
            "hot-reset INFO        members          16 -> 256      2.0 us     30.0 us    15.0x  ok",
            "IOAS_MAP auto+UNMAP   areas      10000 -> 160000      900 ns     2.70 ms  3000.0x  OVER");
  }

  @Test
  void reducedRowsShrinkOnlyTheIovaSizes() {
    assertThat(ScaleRatios.rows(true))
        .extracting(ScaleRatios.Row::small)
        .containsExactly(16, 16, 256, 256, 1000, 1000, 1000, 1000);
    assertThat(ScaleRatios.rows(false))
        .allSatisfy(row -> assertThat(row.large()).isEqualTo(16 * row.small()));
    assertThat(Options.smoke().runs()).isEqualTo(16);
  }

  @Test
  void generatedTopologiesHaveTheAskedSizes() {
    for (int n : new int[] {256, 4096, 300}) {
      assertThat(Topology.parse(ScaleTopologies.functions(n)).functions()).hasSize(n);
    }
    Topology set = Topology.parse(ScaleTopologies.deviceSet(256));
    assertThat(set.functions()).hasSize(257);
    assertThat(new io.jvfio.host.Host(set).vfio().deviceSets())
        .singleElement()
        .satisfies(s -> assertThat(s.members()).hasSize(256));
  }
}
