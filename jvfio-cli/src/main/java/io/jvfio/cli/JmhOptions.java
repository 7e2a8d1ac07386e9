package io.jvfio.cli;

import io.jvfio.bench.JmhRunOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every JMH-based {@code jvfio bench} command takes, applied to its run options. */
final class JmhOptions {
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

  @Option(names = "--verbose", description = "show JMH's own output on stderr")
  boolean verbose;

  /** {@code o} with what was given on the command line; a bad value is IllegalArgumentException. */
  <T extends JmhRunOptions<T>> T apply(T o) {
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
    return o;
  }
}
