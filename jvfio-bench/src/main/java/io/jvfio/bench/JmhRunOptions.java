package io.jvfio.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * How long a ratio bench lets JMH measure: the part of its options every such bench shares, so one
 * set of command-line options can change any of them.
 */
public interface JmhRunOptions<T extends JmhRunOptions<T>> {
  int forks();

  int warmupIterations();

  Duration warmupTime();

  int iterations();

  Duration iterationTime();

  T withForks(int n);

  T withWarmup(int n, Duration time);

  T withIterations(int n, Duration time);

  /** How many JMH benchmark runs these options make. */
  int runs();

  /** A rough duration of the whole run, for the "about N s" line. */
  Duration estimate();

  /** "JMH: 1 fork(s), 2 x 1000 ms warmup, 3 x 1000 ms measured", for a table's first line. */
  default String jmhLine() {
    return String.format(
        Locale.ROOT,
        "JMH: %d fork(s), %d x %d ms warmup, %d x %d ms measured",
        forks(),
        warmupIterations(),
        warmupTime().toMillis(),
        iterations(),
        iterationTime().toMillis());
  }

  /** The checks every bench's options make of the shared part, for its record's constructor. */
  static void check(
      int forks,
      int warmupIterations,
      Duration warmupTime,
      int iterations,
      Duration iterationTime) {
    if (forks < 0 || warmupIterations < 0 || iterations < 1) {
      throw new IllegalArgumentException(
          "forks and warmups must be >= 0 and iterations >= 1, not "
              + forks
              + ", "
              + warmupIterations
              + ", "
              + iterations);
    }
    if (warmupTime.isNegative() || iterationTime.isNegative() || iterationTime.isZero()) {
      throw new IllegalArgumentException("iteration times must be positive");
    }
  }
}
