package io.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvfio.bench.DataFdRatios.Measurement;
import io.jvfio.bench.DataFdRatios.Options;
import io.jvfio.bench.DataFdRatios.Ratio;
import io.jvfio.bench.DataFdRatios.Result;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The arithmetic and the table, from made-up measurements (no JMH run). */
class DataFdRatiosTest {
  private static List<Measurement> measured() {
    return List.of(
        new Measurement("copyIn", 4096, 16e9),
        new Measurement("write", 4096, 4e9),
        new Measurement("copyOut", 1 << 20, 20e9),
        new Measurement("read", 1 << 20, 17e9),
        new Measurement("read", 4096, 5e9),
        new Measurement("copyOut", 4096, 25e9));
  }

  @Test
  void eachDataFdRateIsDividedByItsOwnBaselineAtTheSameChunk() {
    List<Ratio> r = DataFdRatios.ratios(measured());
    assertThat(r)
        .extracting(Ratio::direction, Ratio::chunkBytes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("read", 4096),
            org.assertj.core.groups.Tuple.tuple("read", 1 << 20),
            org.assertj.core.groups.Tuple.tuple("write", 4096));
    assertThat(r.get(0).ratio()).isCloseTo(0.2, within(1e-12));
    assertThat(r.get(1).ratio()).isCloseTo(0.85, within(1e-12));
    assertThat(r.get(1).dataFdBytesPerSecond()).isEqualTo(17e9);
    assertThat(r.get(1).copyBytesPerSecond()).isEqualTo(20e9);
    assertThat(r.get(2).ratio()).isCloseTo(0.25, within(1e-12));
  }

  @Test
  void aDataFdRateWithoutItsBaselineIsAnError() {
    assertThatThrownBy(() -> DataFdRatios.ratios(List.of(new Measurement("read", 4096, 1e9))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("copyOut");
  }

  @Test
  void theTableHasAChunkSizeAndARatioPerRow() {
    Result result = new Result(Options.standard(), DataFdRatios.ratios(measured()));
    String table = result.table();
    assertThat(table.lines()).hasSize(5);
    assertThat(table)
        .contains("memdev 64 MiB")
        .contains("1 fork(s), 2 x 1000 ms warmup, 3 x 1000 ms measured");
    assertThat(table.lines().skip(2))
        .containsExactly(
            "read         4 KiB     5.00 GB/s    25.00 GB/s    0.20",
            "read         1 MiB    17.00 GB/s    20.00 GB/s    0.85",
            "write        4 KiB     4.00 GB/s    16.00 GB/s    0.25");
    assertThat(result.ratio("read", 1 << 20).ratio()).isCloseTo(0.85, within(1e-12));
    assertThatThrownBy(() -> result.ratio("write", 1 << 20))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sizesAreNamedInBinaryUnits() {
    assertThat(DataFdRatios.size(4096)).isEqualTo("4 KiB");
    assertThat(DataFdRatios.size(65536)).isEqualTo("64 KiB");
    assertThat(DataFdRatios.size(1 << 20)).isEqualTo("1 MiB");
    assertThat(DataFdRatios.size(1000)).isEqualTo("1000 B");
    assertThat(DataFdRatios.size(4097)).isEqualTo("4097 B");
  }

  @Test
  void optionsRefuseWhatJmhOrTheDeviceCannotDo() {
    Options o = Options.quick();
    assertThatThrownBy(() -> o.withIterations(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.withForks(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.withChunkSizes(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.withMemoryMib(1)) // not two 1 MiB chunks
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(o.withChunkSizes(List.of(4096)).withMemoryMib(1).runs()).isEqualTo(4);
    assertThat(Options.standard().runs()).isEqualTo(12);
    assertThat(Options.standard().estimate()).isEqualTo(Duration.ofSeconds(72));
  }
}
