package io.jvfio.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;

/**
 * Runs the data fd benchmarks and their copy baselines through JMH and reports, per direction and
 * chunk size, data fd throughput divided by the throughput of a {@code MemorySegment.copy} of the
 * same bytes measured in the same run: a ratio, which unlike a raw rate means the same on any
 * machine.
 */
public final class DataFdRatios {
  private DataFdRatios() {}

  /** Read pairs {@link DataFdReadBench} with {@link CopyBench#copyOut}, write the resuming side. */
  public static final String READ = "read";

  public static final String WRITE = "write";

  /** How long and how wide to measure. */
  public record Options(
      int forks,
      int warmupIterations,
      Duration warmupTime,
      int iterations,
      Duration iterationTime,
      List<Integer> chunkSizes,
      int memoryMib)
      implements JmhRunOptions<Options> {
    public static final List<Integer> CHUNK_SIZES = List.of(4096, 65536, 1 << 20);

    public Options {
      chunkSizes = List.copyOf(chunkSizes);
      JmhRunOptions.check(forks, warmupIterations, warmupTime, iterations, iterationTime);
      if (chunkSizes.isEmpty() || chunkSizes.stream().anyMatch(c -> c <= 0)) {
        throw new IllegalArgumentException("chunk sizes must be positive: " + chunkSizes);
      }
      int largest = chunkSizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
      if (memoryMib < 1 || ((long) memoryMib << 20) < 2L * largest) {
        throw new IllegalArgumentException(
            "the memdev (" + memoryMib + " MiB) must hold at least two of the largest chunk");
      }
    }

    /** One fork, 2 x 1 s warmup, 3 x 1 s measured, 64 MiB memdev: about 75 s. */
    public static Options standard() {
      return new Options(1, 2, Duration.ofSeconds(1), 3, Duration.ofSeconds(1), CHUNK_SIZES, 64);
    }

    /**
     * One fork, 1 x 1 s warmup (at 1 MiB a read is called only some ten thousand times a second, so
     * less leaves it partly uncompiled), 3 x 300 ms measured: about 35 s, noisier.
     */
    public static Options quick() {
      return new Options(1, 1, Duration.ofSeconds(1), 3, Duration.ofMillis(300), CHUNK_SIZES, 64);
    }

    /**
     * In this JVM, no warmup, one 50 ms iteration, 8 MiB: proves the run works, measures little.
     */
    public static Options smoke() {
      return new Options(0, 0, Duration.ZERO, 1, Duration.ofMillis(50), CHUNK_SIZES, 8);
    }

    @Override
    public Options withForks(int n) {
      return new Options(
          n, warmupIterations, warmupTime, iterations, iterationTime, chunkSizes, memoryMib);
    }

    @Override
    public Options withWarmup(int n, Duration time) {
      return new Options(forks, n, time, iterations, iterationTime, chunkSizes, memoryMib);
    }

    @Override
    public Options withIterations(int n, Duration time) {
      return new Options(forks, warmupIterations, warmupTime, n, time, chunkSizes, memoryMib);
    }

    public Options withChunkSizes(List<Integer> sizes) {
      return new Options(
          forks, warmupIterations, warmupTime, iterations, iterationTime, sizes, memoryMib);
    }

    public Options withMemoryMib(int mib) {
      return new Options(
          forks, warmupIterations, warmupTime, iterations, iterationTime, chunkSizes, mib);
    }

    /** Benchmark runs: data fd read and write and their two baselines, per chunk size. */
    @Override
    public int runs() {
      return 4 * chunkSizes.size();
    }

    /** A rough duration, counting about a second to start each forked JVM and set up its host. */
    @Override
    public Duration estimate() {
      Duration one =
          warmupTime
              .multipliedBy(warmupIterations)
              .plus(iterationTime.multipliedBy(iterations))
              .plusMillis(forks > 0 ? 1000L * forks : 200);
      return one.multipliedBy(Math.max(1, forks)).multipliedBy(runs());
    }
  }

  /**
   * One direction at one chunk size: bytes per second through the data fd and through the copy
   * baseline, and their ratio (data fd / copy).
   */
  public record Ratio(
      String direction,
      int chunkBytes,
      double dataFdBytesPerSecond,
      double copyBytesPerSecond,
      double ratio) {
    public static Ratio of(String direction, int chunkBytes, double dataFd, double copy) {
      return new Ratio(direction, chunkBytes, dataFd, copy, copy > 0 ? dataFd / copy : Double.NaN);
    }
  }

  /** The ratios of a run, reads first, each direction by ascending chunk size. */
  public record Result(Options options, List<Ratio> ratios) {
    public Result {
      ratios = List.copyOf(ratios);
    }

    /** The ratio of {@code direction} at {@code chunk} bytes. */
    public Ratio ratio(String direction, int chunk) {
      return ratios.stream()
          .filter(r -> r.direction().equals(direction) && r.chunkBytes() == chunk)
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no " + direction + " at " + chunk));
    }

    /** A table for people. */
    public String table() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "data fd throughput / MemorySegment.copy of the same bytes (memdev %d MiB; %s)%n",
              options.memoryMib(),
              options.jmhLine()));
      sb.append(
          String.format(
              Locale.ROOT,
              "%-9s %8s %13s %13s %7s%n",
              "direction",
              "chunk",
              "data fd",
              "copy",
              "ratio"));
      for (Ratio r : ratios) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-9s %8s %8.2f GB/s %8.2f GB/s %7.2f%n",
                r.direction(),
                size(r.chunkBytes()),
                r.dataFdBytesPerSecond() / 1e9,
                r.copyBytesPerSecond() / 1e9,
                r.ratio()));
      }
      return sb.toString();
    }
  }

  /** "4 KiB", "64 KiB", "1 MiB", or bytes when not a whole KiB. */
  static String size(long bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  /** What one JMH run measured: a benchmark method at a chunk size, in bytes per second. */
  record Measurement(String method, int chunk, double bytesPerSecond) {}

  static final String READ_METHOD = "read";
  static final String WRITE_METHOD = "write";
  static final String COPY_OUT_METHOD = "copyOut";
  static final String COPY_IN_METHOD = "copyIn";

  /** Pairs each data fd measurement with its baseline at the same chunk size. */
  static List<Ratio> ratios(Collection<Measurement> measured) {
    Map<String, Map<Integer, Double>> by = new TreeMap<>();
    for (Measurement m : measured) {
      by.computeIfAbsent(m.method(), k -> new TreeMap<>()).put(m.chunk(), m.bytesPerSecond());
    }
    List<Ratio> out = new ArrayList<>();
    pair(by, READ, READ_METHOD, COPY_OUT_METHOD, out);
    pair(by, WRITE, WRITE_METHOD, COPY_IN_METHOD, out);
    return out;
  }

  private static void pair(
      Map<String, Map<Integer, Double>> by,
      String direction,
      String dataFd,
      String copy,
      List<Ratio> out) {
    Map<Integer, Double> fd = by.getOrDefault(dataFd, Map.of());
    Map<Integer, Double> base = by.getOrDefault(copy, Map.of());
    for (Map.Entry<Integer, Double> e : fd.entrySet()) {
      Double b = base.get(e.getKey());
      if (b == null) {
        throw new IllegalStateException(
            "no " + copy + " baseline for " + dataFd + " at " + e.getKey() + " bytes");
      }
      out.add(Ratio.of(direction, e.getKey(), e.getValue(), b));
    }
  }

  /** Runs the benchmarks quietly. */
  public static Result run(Options options) {
    return run(options, null);
  }

  /**
   * Runs the benchmarks; JMH's own progress goes to {@code log} when it is not null. Each data fd
   * benchmark runs right after its baseline at the same chunk size (one JMH run per pair), so a
   * machine whose speed drifts, as a shared one does, moves both sides of a ratio alike.
   */
  public static Result run(Options options, PrintStream log) {
    List<Measurement> measured = new ArrayList<>();
    for (int chunk : options.chunkSizes()) {
      measured.addAll(
          runPair(options, chunk, DataFdReadBench.class, READ_METHOD, COPY_OUT_METHOD, log));
      measured.addAll(
          runPair(options, chunk, DataFdWriteBench.class, WRITE_METHOD, COPY_IN_METHOD, log));
    }
    return new Result(options, ratios(measured));
  }

  private static List<Measurement> runPair(
      Options options, int chunk, Class<?> dataFd, String method, String copy, PrintStream log) {
    Collection<RunResult> results =
        JmhRuns.run(
            JmhRuns.select()
                .include(JmhRuns.exactly(dataFd, method))
                .include(JmhRuns.exactly(CopyBench.class, copy))
                .param("chunk", String.valueOf(chunk))
                .param("memoryMib", String.valueOf(options.memoryMib())),
            options,
            log);
    List<Measurement> measured = new ArrayList<>();
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      String name = p.getBenchmark();
      org.openjdk.jmh.results.Result<?> bytes = r.getSecondaryResults().get(ByteCounter.NAME);
      if (bytes == null) {
        throw new IllegalStateException(name + " reported no byte count");
      }
      measured.add(
          new Measurement(
              name.substring(name.lastIndexOf('.') + 1),
              Integer.parseInt(p.getParam("chunk")),
              bytes.getScore()));
    }
    if (measured.size() != 2) {
      throw new IllegalStateException(
          "expected " + method + " and " + copy + " at " + chunk + " bytes, JMH ran " + measured);
    }
    return measured;
  }

  /** {@code DataFdRatios [--quick|--smoke]}: runs and prints the table. */
  public static void main(String[] args) {
    JmhRuns.main(
        "DataFdRatios",
        args,
        Options.standard(),
        Options.quick(),
        Options.smoke(),
        o -> run(o).table());
  }
}
