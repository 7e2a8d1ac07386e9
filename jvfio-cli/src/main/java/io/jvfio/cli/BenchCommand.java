package io.jvfio.cli;

import io.jvfio.bench.DataFdRatios;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jvfio bench datafd}: speed of jvfio's own paths, as ratios against a plain copy. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (JMH) of jvfio's data paths, reported as ratios against a baseline.",
    subcommands = {BenchCommand.DataFd.class})
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

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Option(
        names = "--forks",
        paramLabel = "N",
        description = "JVMs per benchmark (0: run in this JVM)")
    Integer forks;

    @Option(names = "--warmups", paramLabel = "N", description = "warmup iterations")
    Integer warmups;

    @Option(names = "--iterations", paramLabel = "N", description = "measured iterations")
    Integer iterations;

    @Option(
        names = "--time-ms",
        paramLabel = "MS",
        description = "length of each warmup and measured iteration")
    Integer timeMs;

    @Option(names = "--memory-mib", paramLabel = "N", description = "memdev size (default 64)")
    Integer memoryMib;

    @Option(
        names = "--chunks",
        paramLabel = "BYTES",
        split = ",",
        description = "chunk sizes in bytes (default 4096,65536,1048576)")
    List<Integer> chunks;

    @Option(names = "--verbose", description = "show JMH's own output on stderr")
    boolean verbose;

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
      DataFdRatios.Result r = DataFdRatios.run(o, verbose ? System.err : null);
      out.print(json ? Json.compact(json(r)) + System.lineSeparator() : r.table());
      out.flush();
      return 0;
    }

    DataFdRatios.Options options() {
      DataFdRatios.Options o =
          quick ? DataFdRatios.Options.quick() : DataFdRatios.Options.standard();
      if (forks != null) {
        o = o.withForks(forks);
      }
      if (timeMs != null && timeMs <= 0) {
        throw new IllegalArgumentException("--time-ms must be positive");
      }
      Duration time = timeMs == null ? null : Duration.ofMillis(timeMs);
      if (warmups != null || time != null) {
        o =
            o.withWarmup(
                warmups != null ? warmups : o.warmupIterations(),
                time != null ? time : o.warmupTime());
      }
      if (iterations != null || time != null) {
        o =
            o.withIterations(
                iterations != null ? iterations : o.iterations(),
                time != null ? time : o.iterationTime());
      }
      if (chunks != null) {
        o = o.withChunkSizes(chunks);
      }
      if (memoryMib != null) {
        o = o.withMemoryMib(memoryMib);
      }
      return o;
    }
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
