package io.jvfio.cli;

import io.jvfio.bench.DataFdRatios;
import io.jvfio.bench.MigrationBench;
import io.jvfio.bench.ScaleRatios;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio bench datafd|migration|scale}: speed of jvfio's own paths, as ratios against a
 * baseline measured in the same run.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (JMH) of jvfio's data paths, reported as ratios against a baseline.",
    subcommands = {
      BenchCommand.DataFd.class,
      BenchCommand.Migration.class,
      BenchCommand.Scale.class
    })
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code jvfio bench datafd [--quick] [--json]}. */
  @Command(
      name = "datafd",
      mixinStandardHelpOptions = true,
      description =
          "Read a memdev's saving data fd and write a resuming one in 4 KiB, 64 KiB and 1 MiB "
              + "chunks, and divide each throughput by that of a MemorySegment.copy of the same "
              + "bytes measured in the same run (1.0: as fast as a copy).")
  static final class DataFd implements Callable<Integer> {
    @Option(
        names = "--quick",
        description = "short iterations (about 35 s instead of about 75 s); noisier")
    boolean quick;

    @CommandLine.Mixin JmhOptions jmh;

    @Option(names = "--memory-mib", paramLabel = "N", description = "memdev size (default 64)")
    Integer memoryMib;

    @Option(
        names = "--chunks",
        paramLabel = "BYTES",
        split = ",",
        description = "chunk sizes in bytes (default 4096,65536,1048576)")
    List<Integer> chunks;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      DataFdRatios.Options o;
      try {
        o = options();
      } catch (IllegalArgumentException e) {
        err.println("jvfio bench datafd: " + e.getMessage());
        return 2;
      }
      err.printf(
          "jvfio bench datafd: %d JMH benchmarks, about %d s%n",
          o.runs(), o.estimate().toSeconds());
      err.flush();
      DataFdRatios.Result r = DataFdRatios.run(o, jmh.verbose ? System.err : null);
      out.print(jmh.json ? Json.compact(json(r)) + System.lineSeparator() : r.table());
      out.flush();
      return 0;
    }

    DataFdRatios.Options options() {
      DataFdRatios.Options o =
          quick ? DataFdRatios.Options.quick() : DataFdRatios.Options.standard();
      o = jmh.apply(o);
      if (chunks != null) {
        o = o.withChunkSizes(chunks);
      }
      if (memoryMib != null) {
        o = o.withMemoryMib(memoryMib);
      }
      return o;
    }
  }

  /** {@code jvfio bench migration}: two JVMs over loopback TCP, against raw TCP and the limit. */
  @Command(
      name = "migration",
      mixinStandardHelpOptions = true,
      description =
          "Live-migrate the demo host's two memdev to a second JVM over loopback TCP: throughput"
              + " against a raw TCP transfer of the same bytes measured right before it, then"
              + " downtime runs with the workloads dirtying memory under each limit.")
  static final class Migration implements Callable<Integer> {
    @Option(
        names = "--quick",
        description = "2 x 256 MiB, one round, two runs per limit (default: 2 x 1 GiB, 3, 5)")
    boolean quick;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Option(names = "--memdev-mib", paramLabel = "N", description = "size of each memdev")
    Integer memdevMib;

    @Option(names = "--rounds", paramLabel = "N", description = "throughput rounds (0: none)")
    Integer rounds;

    @Option(
        names = "--warmup-rounds",
        paramLabel = "N",
        description = "rounds first run and shown but not counted (default 1, --quick 0)")
    Integer warmupRounds;

    @Option(
        names = "--limits-ms",
        paramLabel = "MS",
        split = ",",
        description = "downtime limits to run (default 300,100)")
    List<Integer> limits;

    @Option(names = "--runs", paramLabel = "N", description = "downtime runs per limit (0: none)")
    Integer runs;

    @Option(
        names = "--dirty-rate",
        paramLabel = "PAGES",
        description = "pages each memdev dirties per second during downtime runs (default 20000)")
    Double dirtyRate;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      MigrationBench.Options o;
      try {
        o = quick ? MigrationBench.Options.quick() : MigrationBench.Options.standard();
        if (memdevMib != null) {
          o = o.withMemdevMib(memdevMib);
        }
        if (rounds != null) {
          o = o.withRounds(rounds);
        }
        if (warmupRounds != null) {
          o = o.withWarmupRounds(warmupRounds);
        }
        if (limits != null) {
          o = o.withLimits(limits);
        }
        if (runs != null) {
          o = o.withRunsPerLimit(runs);
        }
        if (dirtyRate != null) {
          o = o.withDirtyRate(dirtyRate);
        }
      } catch (IllegalArgumentException e) {
        err.println("jvfio bench migration: " + e.getMessage());
        return 2;
      }
      MigrationBench.Result r;
      try {
        r = MigrationBench.run(o, System.err);
      } catch (java.io.IOException e) {
        err.println("jvfio bench migration: " + e.getMessage());
        return 1;
      }
      out.print(json ? Json.compact(json(r)) + System.lineSeparator() : r.table());
      out.flush();
      return 0;
    }
  }

  /** {@code jvfio bench scale}: growth of per-call costs for 16 times the size. */
  @Command(
      name = "scale",
      mixinStandardHelpOptions = true,
      description =
          "Time host calls at a size and at 16 times that size in one JMH run (hot-reset INFO and"
              + " HOT_RESET on 16 and 256 dev_set members, Topology.parse and new Host on 256 and"
              + " 4096 functions, IOAS_MAP next to 10k and 160k mappings, ALLOW_IOVAS of 10k and"
              + " 160k ranges, IOAS_ALLOC next to 10k and 160k objects) and show the ratio of the"
              + " two times against the target of 20 (linear: 16). Exits 1 when a ratio is over.")
  static final class Scale implements Callable<Integer> {
    @Option(
        names = "--quick",
        description = "short iterations (about 70 s instead of about 3 minutes); noisier")
    boolean quick;

    @CommandLine.Mixin JmhOptions jmh;

    @Option(
        names = "--reduced",
        description = "IOVA sizes divided by ten (1000 -> 16000): shorter set-up")
    boolean reduced;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ScaleRatios.Options o;
      try {
        o = options();
      } catch (IllegalArgumentException e) {
        err.println("jvfio bench scale: " + e.getMessage());
        return 2;
      }
      err.printf(
          "jvfio bench scale: %d JMH benchmarks, about %d s%n", o.runs(), o.estimate().toSeconds());
      err.flush();
      ScaleRatios.Result r = ScaleRatios.run(o, jmh.verbose ? System.err : null);
      out.print(jmh.json ? Json.compact(json(r)) + System.lineSeparator() : r.table());
      out.flush();
      return r.allWithinTarget() ? 0 : 1;
    }

    ScaleRatios.Options options() {
      ScaleRatios.Options o = quick ? ScaleRatios.Options.quick() : ScaleRatios.Options.standard();
      o = jmh.apply(o);
      return reduced ? o.withReduced(true) : o;
    }
  }

  /** The scale bench as maps and lists for {@link Json}: times in nanoseconds per call. */
  static Map<String, Object> json(ScaleRatios.Result r) {
    ScaleRatios.Options o = r.options();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "scale");
    m.put("target", ScaleRatios.TARGET);
    m.put("forks", o.forks());
    m.put("warmupIterations", o.warmupIterations());
    m.put("warmupMs", o.warmupTime().toMillis());
    m.put("iterations", o.iterations());
    m.put("iterationMs", o.iterationTime().toMillis());
    List<Object> rows = new ArrayList<>();
    for (ScaleRatios.Ratio x : r.ratios()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("call", x.row().call());
      row.put("of", x.row().unit());
      row.put("small", x.row().small());
      row.put("large", x.row().large());
      row.put("smallNanos", Math.round(x.smallNanos()));
      row.put("largeNanos", Math.round(x.largeNanos()));
      row.put("ratio", Math.round(x.ratio() * 100) / 100.0);
      row.put("withinTarget", x.withinTarget());
      rows.add(row);
    }
    m.put("ratios", rows);
    return m;
  }

  /** The migration bench as maps and lists for {@link Json}. */
  static Map<String, Object> json(MigrationBench.Result r) {
    MigrationBench.Options o = r.options();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "migration");
    m.put("memdevMib", o.memdevMib());
    m.put("devices", 2);
    m.put("dirtyRate", o.dirtyRate());
    List<Object> rounds = new ArrayList<>();
    for (MigrationBench.Round x : r.rounds()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("bytes", x.bytes());
      row.put("rawBytesPerSec", Math.round(x.rawBytesPerSec()));
      row.put("migrationBytesPerSec", Math.round(x.migrationBytesPerSec()));
      row.put("ratio", Math.round(x.ratio() * 1e4) / 1e4);
      row.put("warmup", x.warmup());
      rounds.add(row);
    }
    m.put("rounds", rounds);
    double median = r.medianRatio();
    m.put("medianRatio", Double.isFinite(median) ? Math.round(median * 1e4) / 1e4 : null);
    List<Object> runs = new ArrayList<>();
    for (MigrationBench.Run x : r.runs()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("limitMs", x.limitMs());
      row.put("completed", x.completed());
      row.put("sourceDowntimeMs", x.sourceDowntimeMs());
      row.put("destinationDowntimeMs", x.destinationDowntimeMs());
      row.put("withinLimit", x.withinLimit());
      row.put("stopCopyBytes", x.stopCopyBytes());
      row.put("totalMs", x.totalMs());
      if (x.error() != null) {
        row.put("error", x.error());
      }
      runs.add(row);
    }
    m.put("downtimeRuns", runs);
    return m;
  }

  /** The result as maps and lists for {@link Json}: rates in bytes per second. */
  static Map<String, Object> json(DataFdRatios.Result r) {
    DataFdRatios.Options o = r.options();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "datafd");
    m.put("memoryMib", o.memoryMib());
    m.put("forks", o.forks());
    m.put("warmupIterations", o.warmupIterations());
    m.put("warmupMs", o.warmupTime().toMillis());
    m.put("iterations", o.iterations());
    m.put("iterationMs", o.iterationTime().toMillis());
    List<Object> rows = new ArrayList<>();
    for (DataFdRatios.Ratio x : r.ratios()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("direction", x.direction());
      row.put("chunkBytes", x.chunkBytes());
      row.put("dataFdBytesPerSec", Math.round(x.dataFdBytesPerSecond()));
      row.put("copyBytesPerSec", Math.round(x.copyBytesPerSecond()));
      row.put("ratio", Double.isFinite(x.ratio()) ? Math.round(x.ratio() * 1e4) / 1e4 : null);
      rows.add(row);
    }
    m.put("ratios", rows);
    return m;
  }
}
