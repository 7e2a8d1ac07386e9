package io.jvfio.bench;

import java.time.Duration;

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
}
