package io.jvfio.migration.engine;

import io.jvfio.migration.report.MigrationReport;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples of bytes sent (the guest RAM's among them) and dirty bytes over time, at most one per
 * {@link #PERIOD_MS}.
 */
final class Timeline {
  static final long PERIOD_MS = 20;

  private long start = System.nanoTime();
  private final List<MigrationReport.Sample> samples = new ArrayList<>();
  private long last = -PERIOD_MS;
  private long ramBytes;

  /**
   * Starts the timeline now, when the migration's run begins: an engine is often built well before
   * it runs (hosts set up, workloads started), and a plot must not show that as migration time.
   */
  void restart() {
    start = System.nanoTime();
    last = -PERIOD_MS;
    samples.clear();
  }

  long elapsedMs() {
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** Where {@code nanos} (a System.nanoTime) falls on this timeline, in milliseconds. */
  double msAt(long nanos) {
    return (nanos - start) / 1e6;
  }

  /**
   * The guest RAM's page bytes moved so far (part of the bytes the samples count): the RAM code
   * keeps it current, so that every sample, whoever takes it, carries it.
   */
  void ramBytes(long bytes) {
    ramBytes = bytes;
  }

  void sample(long bytesSent, long dirtyBytes, String phase, boolean force) {
    long t = elapsedMs();
    if (force || t - last >= PERIOD_MS) {
      samples.add(new MigrationReport.Sample(t, bytesSent, dirtyBytes, phase, ramBytes));
      last = t;
    }
  }

  List<MigrationReport.Sample> samples() {
    return List.copyOf(samples);
  }
}
