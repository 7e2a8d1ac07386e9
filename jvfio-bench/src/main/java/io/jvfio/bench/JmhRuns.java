package io.jvfio.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.function.Function;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** One JMH run of a ratio bench, and the ratio benches' own command line, in one place. */
final class JmhRuns {
  private JmhRuns() {}

  /** A JMH include pattern that matches exactly {@code bench}'s {@code method}. */
  static String exactly(Class<?> bench, String method) {
    return "^" + bench.getName().replace(".", "\\.") + "\\." + method + "$";
  }

  /**
   * Runs what {@code selection} includes (benchmarks and their parameters) for as long as {@code
   * options} say, on one thread, failing on a benchmark's error; JMH's own output goes to {@code
   * log} when it is not null.
   */
  static Collection<RunResult> run(
      ChainedOptionsBuilder selection, JmhRunOptions<?> options, PrintStream log) {
    ChainedOptionsBuilder b =
        selection
            .forks(options.forks())
            .warmupIterations(options.warmupIterations())
            .warmupTime(TimeValue.milliseconds(options.warmupTime().toMillis()))
            .measurementIterations(options.iterations())
            .measurementTime(TimeValue.milliseconds(options.iterationTime().toMillis()))
            .threads(1)
            .shouldFailOnError(true)
            .jvmArgsAppend(
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")
            .verbosity(log == null ? VerboseMode.SILENT : VerboseMode.NORMAL);
    Runner runner =
        log == null
            ? new Runner(b.build())
            : new Runner(
                b.build(), OutputFormatFactory.createFormatInstance(log, VerboseMode.NORMAL));
    try {
      return runner.run();
    } catch (RunnerException e) {
      throw new IllegalStateException("JMH failed: " + e.getMessage(), e);
    }
  }

  /** A new selection, to name the benchmarks and parameters of one run. */
  static ChainedOptionsBuilder select() {
    return new OptionsBuilder();
  }

  /**
   * {@code NAME [--quick|--smoke]}: runs the bench with those options and prints its table; an
   * unknown argument exits 2.
   */
  static <O extends JmhRunOptions<O>> void main(
      String name, String[] args, O standard, O quick, O smoke, Function<O, String> table) {
    O o = standard;
    for (String a : args) {
      switch (a) {
        case "--quick" -> o = quick;
        case "--smoke" -> o = smoke;
        default -> {
          System.err.println("usage: " + name + " [--quick|--smoke]");
          System.exit(2);
        }
      }
    }
    System.err.printf(
        Locale.ROOT,
        "running %d JMH benchmarks, about %d s ...%n",
        o.runs(),
        o.estimate().toSeconds());
    System.out.print(table.apply(o));
  }
}
