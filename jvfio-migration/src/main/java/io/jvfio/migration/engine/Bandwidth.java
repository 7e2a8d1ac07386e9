package io.jvfio.migration.engine;

/**
 * The rate at which the source moves device state when it is busy doing so: bytes divided by the
 * time spent reading the data fds and writing the channel (which blocks when the destination falls
 * behind), not by wall time. Precopy is paced by how fast the devices dirty memory, so a wall-time
 * rate would measure the workload, not what stop-copy can move. The rate is that of the latest
 * window of {@link #WINDOW_NANOS} busy time, so it follows the kind of data now being sent (the
 * dirty pages stop-copy will send, once the initial pass is over).
 */
final class Bandwidth {
  static final long WINDOW_NANOS = 20_000_000L;

  private long windowBytes;
  private long windowNanos;
  private double rate;

  /** {@code bytes} were moved in {@code nanos} of busy time. */
  void add(long bytes, long nanos) {
    windowBytes += bytes;
    windowNanos += nanos;
    if (windowNanos >= WINDOW_NANOS) {
      rate = windowBytes / (windowNanos / 1e9);
      windowBytes = 0;
      windowNanos = 0;
    }
  }

  /** Whether a whole window has been measured. */
  boolean measured() {
    return rate > 0;
  }

  /** Bytes per second: the last whole window, else what the current one shows so far, else 0. */
  double bytesPerSecond() {
    if (rate > 0) {
      return rate;
    }
    return windowNanos > 0 ? windowBytes / (windowNanos / 1e9) : 0;
  }
}
