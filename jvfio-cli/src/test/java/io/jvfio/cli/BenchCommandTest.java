package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.bench.DataFdRatios;
import io.jvfio.bench.GuestRamBench;
import io.jvfio.bench.ScaleRatios;
import io.jvfio.cli.json.CliJson;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  /** The shortest real run: in this JVM, no warmup, one 30 ms iteration per benchmark. */
  private static final String[] SHORTEST = {
    "--forks", "0", "--warmups", "0", "--iterations", "1", "--time-ms", "30", "--memory-mib", "8"
  };

  private static String[] datafd(String... more) {
    String[] args = new String[2 + SHORTEST.length + more.length];
    args[0] = "bench";
    args[1] = "datafd";
    System.arraycopy(SHORTEST, 0, args, 2, SHORTEST.length);
    System.arraycopy(more, 0, args, 2 + SHORTEST.length, more.length);
    return args;
  }

  @Test
  void datafdJsonHasBothDirectionsAtEveryChunkSizeWithRatios() {
    CliRun r = run(datafd("--json"));
    assertThat(r.code()).as(r.err()).isZero();
    String json = r.out().strip();
    assertThat(json.lines()).hasSize(1);
    assertThat(json)
        .startsWith("{\"result\":\"ok\",\"benchmark\":\"datafd\",\"memoryMib\":8,\"forks\":0,");
    Matcher m =
        Pattern.compile(
                "\\{\"direction\":\"(read|write)\",\"chunkBytes\":(\\d+),"
                    + "\"dataFdBytesPerSec\":(\\d+),\"copyBytesPerSec\":(\\d+),\"ratio\":([0-9.]+)\\}")
            .matcher(json);
    StringBuilder seen = new StringBuilder();
    while (m.find()) {
      seen.append(m.group(1)).append(' ').append(m.group(2)).append(';');
      assertThat(Long.parseLong(m.group(3))).isPositive();
      assertThat(Long.parseLong(m.group(4))).isPositive();
      assertThat(Double.parseDouble(m.group(5))).isPositive();
    }
    assertThat(seen.toString())
        .isEqualTo("read 4096;read 65536;read 1048576;write 4096;write 65536;write 1048576;");
    assertThat(r.err()).contains("12 JMH benchmarks");
  }

  @Test
  void datafdTableHasARowPerDirectionAndChunk() {
    CliRun r = run(datafd("--chunks", "4096,65536"));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> rows = r.out().lines().skip(2).toList();
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0)).matches("read +4 KiB +[0-9.]+ GB/s +[0-9.]+ GB/s +[0-9]+\\.[0-9]{2}");
    assertThat(rows.get(3)).matches("write +64 KiB +[0-9.]+ GB/s +[0-9.]+ GB/s +[0-9]+\\.[0-9]{2}");
  }

  @Test
  void badSettingsAreUsageErrors() {
    CliRun zero = run("bench", "datafd", "--iterations", "0");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err()).isEqualTo("jvfio bench datafd: --iterations 0: must be 1 to 1000000\n");
    CliRun time = run("bench", "datafd", "--time-ms", "0");
    assertThat(time.code()).isEqualTo(2);
    assertThat(time.err()).isEqualTo("jvfio bench datafd: --time-ms 0: must be 1 to 1000000\n");
    CliRun small = run("bench", "datafd", "--memory-mib", "1");
    assertThat(small.code()).isEqualTo(2);
    assertThat(small.err()).contains("at least two of the largest chunk");
    CliRun parent = run("bench");
    assertThat(parent.code()).isEqualTo(2);
    assertThat(parent.err())
        .contains("a subcommand is needed: datafd, migration, guest-ram, scale");
  }

  @Test
  void quickAndStandardSettingsAndOverrides() throws Exception {
    BenchCommand.DataFd d = new BenchCommand.DataFd();
    new CommandLine(d).parseArgs("--quick", "--iterations", "5");
    DataFdRatios.Options o = d.options();
    assertThat(o.iterations()).isEqualTo(5);
    assertThat(o.iterationTime()).isEqualTo(DataFdRatios.Options.quick().iterationTime());
    assertThat(o.forks()).isEqualTo(1);
    BenchCommand.DataFd s = new BenchCommand.DataFd();
    new CommandLine(s).parseArgs();
    assertThat(s.options()).isEqualTo(DataFdRatios.Options.standard());
    BenchCommand.DataFd t = new BenchCommand.DataFd();
    new CommandLine(t).parseArgs("--time-ms", "250", "--warmups", "4", "--forks", "0");
    DataFdRatios.Options timed = t.options();
    assertThat(timed.warmupIterations()).isEqualTo(4);
    assertThat(timed.warmupTime()).isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(timed.iterationTime()).isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(timed.iterations()).isEqualTo(DataFdRatios.Options.standard().iterations());
    assertThat(timed.forks()).isZero();
  }

  @Test
  void jsonRoundsRatesAndRatios() {
    DataFdRatios.Result r =
        new DataFdRatios.Result(
            DataFdRatios.Options.quick(),
            List.of(DataFdRatios.Ratio.of("read", 4096, 12.5e9, 20e9)));
    assertThat(CliJson.line(BenchCommand.json(r)))
        .isEqualTo(
            "{\"result\":\"ok\",\"benchmark\":\"datafd\",\"memoryMib\":64,\"forks\":1,\"warmupIterations\":1,"
                + "\"warmupMs\":1000,\"iterations\":3,\"iterationMs\":300,\"ratios\":["
                + "{\"direction\":\"read\",\"chunkBytes\":4096,\"dataFdBytesPerSec\":12500000000,"
                + "\"copyBytesPerSec\":20000000000,\"ratio\":0.625}]}");
  }

  /** The scale bench's JSON, field by field in its order: the JMH settings beside the target. */
  @Test
  void scaleJsonHasTheTargetTheJmhSettingsAndARowPerCall() {
    ScaleRatios.Result r =
        new ScaleRatios.Result(
            ScaleRatios.Options.smoke(),
            List.of(
                new ScaleRatios.Ratio(ScaleRatios.rows(true).getFirst(), 2_000, 30_000),
                new ScaleRatios.Ratio(ScaleRatios.rows(true).get(4), 900, 2.7e6)));
    assertThat(CliJson.line(BenchCommand.json(r)))
        .isEqualTo(
            "{\"result\":\"failed\",\"benchmark\":\"scale\",\"target\":20,\"forks\":0,"
                + "\"warmupIterations\":0,\"warmupMs\":0,\"iterations\":1,\"iterationMs\":20,"
                + "\"ratios\":[{\"call\":\"hot-reset INFO\",\"of\":\"members\",\"small\":16,"
                + "\"large\":256,\"smallNanos\":2000,\"largeNanos\":30000,\"ratio\":15,"
                + "\"withinTarget\":true},{\"call\":\"IOAS_MAP auto+UNMAP\",\"of\":\"areas\","
                + "\"small\":1000,\"large\":16000,\"smallNanos\":900,\"largeNanos\":2700000,"
                + "\"ratio\":3000,\"withinTarget\":false}],"
                + "\"error\":\"1 ratio of 2 over the target of 20x\"}");
  }

  @Test
  void scaleTableHasARatioAgainstTheTargetPerCall() {
    CliRun r =
        run(
            "bench",
            "scale",
            "--forks",
            "0",
            "--warmups",
            "0",
            "--iterations",
            "1",
            "--time-ms",
            "20",
            "--reduced");
    // exit 1 only says a ratio is over the target: 20 ms iterations measure nothing reliable
    assertThat(r.code()).as(r.err()).isIn(0, 1);
    assertThat(r.err()).contains("16 JMH benchmarks");
    List<String> lines = r.out().lines().toList();
    assertThat(lines.getFirst())
        .startsWith("time per call at 16x the size / time at 1x, target <= 20x");
    List<String> rows = lines.subList(2, lines.size());
    assertThat(rows)
        .extracting(l -> l.substring(0, 21).strip())
        .containsExactly(
            "hot-reset INFO",
            "HOT_RESET",
            "Topology.parse",
            "new Host + close",
            "IOAS_MAP auto+UNMAP",
            "IOAS_MAP fixed+UNMAP",
            "IOAS_ALLOW_IOVAS",
            "IOAS_ALLOC+DESTROY");
    for (String row : rows) {
      assertThat(row)
          .matches(
              ".{21} [a-z]+ +\\d+ -> \\d+ +[0-9.]+ (ns|us|ms|s) +[0-9.]+ (ns|us|ms|s) +[0-9.]+x  (ok|OVER)");
    }
    assertThat(rows.get(0)).contains("16 -> 256");
    assertThat(rows.get(2)).contains("256 -> 4096");
    assertThat(rows.get(4)).contains("1000 -> 16000");
    assertThat(r.code() == 0).isEqualTo(rows.stream().allMatch(l -> l.endsWith("ok")));
  }

  @Test
  void scaleSettingsAndUsageErrors() {
    BenchCommand.Scale s = new BenchCommand.Scale();
    new CommandLine(s).parseArgs("--quick", "--iterations", "5", "--reduced");
    ScaleRatios.Options o = s.options();
    assertThat(o.iterations()).isEqualTo(5);
    assertThat(o.iterationTime()).isEqualTo(ScaleRatios.Options.quick().iterationTime());
    assertThat(o.reduced()).isTrue();
    BenchCommand.Scale d = new BenchCommand.Scale();
    new CommandLine(d).parseArgs();
    assertThat(d.options()).isEqualTo(ScaleRatios.Options.standard());
    CliRun bad = run("bench", "scale", "--iterations", "0");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--iterations 0: must be 1 to 1000000");
    CliRun noTime = run("bench", "scale", "--time-ms", "0");
    assertThat(noTime.code()).isEqualTo(2);
    assertThat(noTime.err()).contains("--time-ms 0: must be 1 to 1000000");
  }

  /** A guest RAM bench run as the bench reports it: 300 ms limit, 1 GiB, DMA logging. */
  private static GuestRamBench.Run ramRun(double downtimeMs, long ramSent, boolean equal) {
    return new GuestRamBench.Run(
        true,
        downtimeMs,
        downtimeMs,
        300,
        1L << 30,
        ramSent,
        131072,
        700L << 20,
        30L << 20,
        29L << 20,
        "device DMA logging",
        equal,
        4000,
        null);
  }

  private static final GuestRamBench.Options RAM_OPTIONS =
      GuestRamBench.Options.standard(512, 20000, 20000, 5000);

  @Test
  void guestRamSettingsQuickAndOverrides() {
    BenchCommand.GuestRam s = new BenchCommand.GuestRam();
    new CommandLine(s).parseArgs();
    GuestRamBench.Options o = s.options();
    // the demo's VM at the demo's rates, 1 GiB of RAM, 5 runs
    assertThat(o)
        .isEqualTo(
            GuestRamBench.Options.standard(512, 20000, DemoMigration.DMA_WRITES_PER_SECOND, 5000));
    assertThat(o.runs()).isEqualTo(5);
    assertThat(o.guestRamMib()).isEqualTo(1024);
    BenchCommand.GuestRam q = new BenchCommand.GuestRam();
    new CommandLine(q).parseArgs("--quick", "--runs", "3", "--guest-ram-mib", "64");
    assertThat(q.options()).isEqualTo(o.quick().withRuns(3).withGuestRamMib(64));
    CliRun zero = run("bench", "guest-ram", "--runs", "0");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err())
        .isEqualTo("jvfio bench guest-ram: --runs 0: runs must be 1-100, not 0\n");
    CliRun big = run("bench", "guest-ram", "--guest-ram-mib", "20000");
    assertThat(big.code()).isEqualTo(2);
    assertThat(big.err())
        .isEqualTo(
            "jvfio bench guest-ram: --guest-ram-mib 20000: the guest RAM must be 1-16384 MiB, not"
                + " 20000\n");
  }

  @Test
  void guestRamTableAndJsonSayWithinOrOverAndTheHalfZeroRatio() {
    GuestRamBench.Run halfZero = ramRun(30, 512L << 20, true);
    GuestRamBench.Result ok =
        new GuestRamBench.Result(RAM_OPTIONS, halfZero, List.of(ramRun(120.5, 600L << 20, true)));
    assertThat(ok.ok()).isTrue();
    assertThat(ok.table())
        .contains("1024 MiB of RAM, 512 MiB on the wire (ratio 0.500)")
        .contains("      120.5 ms      120.5 ms  300 ms  within    600.0 MiB")
        .contains("RAM in downtime (expected)")
        .contains("    30.0 MiB (29.0 MiB)")
        .endsWith("every run within the limit, digests equal\n");
    String json = CliJson.line(BenchCommand.json(ok));
    assertThat(json)
        .startsWith(
            "{\"result\":\"ok\",\"benchmark\":\"guest-ram\",\"guestRamMib\":1024,"
                + "\"memdevMib\":512,\"dirtyRate\":20000,\"dmaRate\":20000,"
                + "\"vcpuRate\":5000,\"halfZero\":{\"completed\":true,")
        .contains("\"halfZeroWireRatio\":0.5,")
        .contains(
            "\"runs\":[{\"completed\":true,\"sourceDowntimeMs\":120.5,"
                + "\"destinationDowntimeMs\":120.5,\"limitMs\":300,\"withinLimit\":true,")
        .contains("\"ramStopCopyBytes\":31457280,\"ramStopCopyEstimateBytes\":30408704,")
        .doesNotContain("\"error\"");

    GuestRamBench.Result bad =
        new GuestRamBench.Result(
            RAM_OPTIONS,
            halfZero,
            List.of(ramRun(120.5, 600L << 20, false), ramRun(313.2, 600L << 20, true)));
    assertThat(bad.ok()).isFalse();
    assertThat(bad.table())
        .contains("313.2 ms  300 ms  OVER")
        .contains("DIFFER")
        .endsWith(
            "FAILED: 1 of 2 runs over the downtime limit or failed; 1 of 2 runs with different"
                + " digests at the two ends\n");
    assertThat(CliJson.line(BenchCommand.json(bad)))
        .startsWith("{\"result\":\"failed\",")
        .endsWith(
            "\"error\":\"1 of 2 runs over the downtime limit or failed; 1 of 2 runs with"
                + " different digests at the two ends\"}");
  }
}
