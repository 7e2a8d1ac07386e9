package io.jvfio.cli;

import io.jvfio.bench.JmhRunOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every JMH-based {@code jvfio bench} command takes, applied to its run options. */
final class JmhOptions {
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

  /** Most JVMs, iterations or milliseconds one run may ask for: far past any useful run. */
  static final int MAX = 1_000_000;

  /** {@code o} with what was given on the command line; a bad value is a UsageException. */
  <T extends JmhRunOptions<T>> T apply(T o) {
    check("--forks", forks, 0);
    check("--warmups", warmups, 0);
    check("--iterations", iterations, 1);
    check("--time-ms", timeMs, 1);
    if (forks != null) {
      o = o.withForks(forks);
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
    return o;
  }

  private static void check(String option, Integer value, int min) {
    if (value != null && (value < min || value > MAX)) {
      throw UsageException.of(option, value, "must be " + min + " to " + MAX);
    }
  }
}
