package io.jvfio.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/**
 * How the host's per-call cost grows with what a call works on (device-set members, topology
 * functions, IOAS mappings, allowed ranges, iommufd objects): each call is timed through JMH at a
 * size and at 16 times that size in one run, and the ratio of the two times is compared with {@link
 * #TARGET} (a linear cost gives 16, a quadratic one 256).
 */
public final class ScaleRatios {
  private ScaleRatios() {}

  /** The largest acceptable growth of the per-call time for 16 times the size. */
  public static final double TARGET = 20;

  /** One measured call: a benchmark method whose {@code size} parameter grows 16 times. */
  public record Row(String call, String unit, Class<?> bench, String method, int small) {
    public int large() {
      return small * 16;
    }
  }

  /** The rows; {@code reduced} divides the IOVA sizes by ten (1 000 to 16 000). */
  public static List<Row> rows(boolean reduced) {
    int iova = reduced ? 1_000 : 10_000;
    return List.of(
        new Row("hot-reset INFO", "members", HotResetScaleBench.class, "info", 16),
        new Row("HOT_RESET", "members", HotResetScaleBench.class, "resetAll", 16),
        new Row("Topology.parse", "functions", TopologyScaleBench.class, "parse", 256),
        new Row("new Host + close", "functions", TopologyScaleBench.class, "host", 256),
        new Row("IOAS_MAP auto+UNMAP", "areas", IoasScaleBench.class, "mapAuto", iova),
        new Row("IOAS_MAP fixed+UNMAP", "areas", IoasScaleBench.class, "mapFixed", iova),
        new Row("IOAS_ALLOW_IOVAS", "ranges", IoasScaleBench.class, "allowIovas", iova),
        new Row("IOAS_ALLOC+DESTROY", "objects", IoasScaleBench.class, "allocDestroy", iova));
  }

  /** How long and how wide to measure. */
  public record Options(
      int forks,
      int warmupIterations,
      Duration warmupTime,
      int iterations,
      Duration iterationTime,
      boolean reduced)
      implements JmhRunOptions<Options> {
    public Options {
      JmhRunOptions.check(forks, warmupIterations, warmupTime, iterations, iterationTime);
    }

    /** One fork per size, 3 x 1 s warmup, 5 x 1 s measured: about 3 minutes. */
    public static Options standard() {
      return new Options(1, 3, Duration.ofSeconds(1), 5, Duration.ofSeconds(1), false);
    }

    /** One fork per size, 2 x 300 ms warmup, 3 x 300 ms measured: about 70 s, noisier. */
    public static Options quick() {
      return new Options(1, 2, Duration.ofMillis(300), 3, Duration.ofMillis(300), false);
    }

    /** In this JVM, no warmup, one 20 ms iteration, IOVA sizes / 10: proves the run works. */
    public static Options smoke() {
      return new Options(0, 0, Duration.ZERO, 1, Duration.ofMillis(20), true);
    }

    @Override
    public Options withForks(int n) {
      return new Options(n, warmupIterations, warmupTime, iterations, iterationTime, reduced);
    }

    @Override
    public Options withWarmup(int n, Duration time) {
      return new Options(forks, n, time, iterations, iterationTime, reduced);
    }

    @Override
    public Options withIterations(int n, Duration time) {
      return new Options(forks, warmupIterations, warmupTime, n, time, reduced);
    }

    public Options withReduced(boolean r) {
      return new Options(forks, warmupIterations, warmupTime, iterations, iterationTime, r);
    }

    /** JMH runs: each row at two sizes. */
    @Override
    public int runs() {
      return 2 * rows(reduced).size();
    }

    /** A rough duration, counting about two seconds to start a fork and set up its host. */
    @Override
    public Duration estimate() {
      Duration one =
          warmupTime
              .multipliedBy(warmupIterations)
              .plus(iterationTime.multipliedBy(iterations))
              .plusMillis(forks > 0 ? 2000L : 300);
      return one.multipliedBy(Math.max(1, forks)).multipliedBy(runs());
    }
  }

  /** One row's result: nanoseconds per call at both sizes. */
  public record Ratio(Row row, double smallNanos, double largeNanos) {
    public double ratio() {
      return largeNanos / smallNanos;
    }

    public boolean withinTarget() {
      return ratio() <= TARGET;
    }
  }

  /** What a run measured. */
  public record Result(Options options, List<Ratio> ratios) {
    public Result {
      ratios = List.copyOf(ratios);
    }

    public boolean allWithinTarget() {
      return ratios.stream().allMatch(Ratio::withinTarget);
    }

    /** A table for people. */
    public String table() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "time per call at 16x the size / time at 1x, target <= %.0fx (%s)%n",
              TARGET,
              options.jmhLine()));
      sb.append(
          String.format(
              Locale.ROOT,
              "%-21s %-10s %15s %11s %11s %8s  %s%n",
              "call",
              "of",
              "size",
              "small",
              "large",
              "ratio",
              "target"));
      for (Ratio r : ratios) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-21s %-10s %15s %11s %11s %7.1fx  %s%n",
                r.row().call(),
                r.row().unit(),
                r.row().small() + " -> " + r.row().large(),
                time(r.smallNanos()),
                time(r.largeNanos()),
                r.ratio(),
                r.withinTarget() ? "ok" : "OVER"));
      }
      return sb.toString();
    }
  }

  /** "850 ns", "12.3 us", "4.56 ms" or "1.23 s". */
  static String time(double nanos) {
    if (nanos < 1e3) {
      return String.format(Locale.ROOT, "%.0f ns", nanos);
    }
    if (nanos < 1e6) {
      return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }
    if (nanos < 1e9) {
      return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  /** Runs the benchmarks quietly. */
  public static Result run(Options options) {
    return run(options, null);
  }

  /** Runs each row at both sizes in one JMH run; JMH's own output goes to {@code log}. */
  public static Result run(Options options, PrintStream log) {
    List<Ratio> out = new ArrayList<>();
    for (Row row : rows(options.reduced())) {
      Map<Integer, Double> nanos = measure(options, row, log);
      out.add(new Ratio(row, nanos.get(row.small()), nanos.get(row.large())));
    }
    return new Result(options, out);
  }

  private static Map<Integer, Double> measure(Options options, Row row, PrintStream log) {
    Collection<RunResult> results =
        JmhRuns.run(
            JmhRuns.select()
                .include(JmhRuns.exactly(row.bench(), row.method()))
                .param("size", String.valueOf(row.small()), String.valueOf(row.large())),
            options,
            log);
    Map<Integer, Double> nanos = new HashMap<>();
    for (RunResult r : results) {
      nanos.put(Integer.parseInt(r.getParams().getParam("size")), r.getPrimaryResult().getScore());
    }
    if (!nanos.containsKey(row.small()) || !nanos.containsKey(row.large())) {
      throw new IllegalStateException("expected " + row + " at both sizes, JMH ran " + nanos);
    }
    return nanos;
  }

  /** {@code ScaleRatios [--quick|--smoke]}: runs and prints the table. */
  public static void main(String[] args) {
    JmhRuns.main(
        "ScaleRatios",
        args,
        Options.standard(),
        Options.quick(),
        Options.smoke(),
        o -> run(o).table());
  }
}
