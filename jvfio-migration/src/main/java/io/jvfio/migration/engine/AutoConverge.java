package io.jvfio.migration.engine;

/**
 * QEMU's auto-converge: when the guest dirties RAM faster than precopy moves it, its vCPUs are
 * throttled, harder each time, so that precopy can converge. At each dirty-log sync at least a
 * {@link #period} after the previous counted one, the RAM dirtied in that period is compared with
 * the bytes sent in it; when it is more than half of them in two such periods (not necessarily in a
 * row), the throttle starts at {@value #INITIAL} % or grows by {@value #INCREMENT} points, up to
 * {@value #MAX} %. Device DMA is not throttled: only the CPUs are (as in QEMU).
 */
final class AutoConverge {
  static final int INITIAL = 20;
  static final int INCREMENT = 10;
  static final int MAX = 99;

  /** Dirty bytes above this share (in percent) of the bytes sent count a period as too dirty. */
  static final int TRIGGER_PERCENT = 50;

  /** QEMU weighs a period only once a second has passed since the last one it weighed. */
  static final long DEFAULT_PERIOD_NANOS = 1_000_000_000L;

  private final long period;
  private long periodStart;
  private long sentAtStart;
  private long dirtyInPeriod;
  private int tooDirty;
  private int throttle;

  /** Starts the first period at {@code now} with {@code sent} bytes sent so far. */
  AutoConverge(long periodNanos, long now, long sent) {
    if (periodNanos < 0) {
      throw new IllegalArgumentException("negative period " + periodNanos);
    }
    this.period = periodNanos;
    this.periodStart = now;
    this.sentAtStart = sent;
  }

  /**
   * After a sync at {@code now} that found {@code dirtyBytes} dirtied since the sync before, with
   * {@code sent} bytes sent so far in all. Returns the throttle, in percent, from now on.
   */
  int afterSync(long now, long dirtyBytes, long sent) {
    dirtyInPeriod += dirtyBytes;
    if (now - periodStart < period) {
      return throttle;
    }
    long moved = sent - sentAtStart;
    long dirty = dirtyInPeriod;
    periodStart = now;
    sentAtStart = sent;
    dirtyInPeriod = 0;
    if (dirty * 100 > moved * TRIGGER_PERCENT && ++tooDirty >= 2) {
      tooDirty = 0;
      throttle = throttle == 0 ? INITIAL : Math.min(MAX, throttle + INCREMENT);
    }
    return throttle;
  }

  int throttle() {
    return throttle;
  }
}
