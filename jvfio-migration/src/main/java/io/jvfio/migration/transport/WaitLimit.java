package io.jvfio.migration.transport;

import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The three limits of a {@link Channel} wait, as {@link System#nanoTime()} arithmetic: the per-wait
 * timeout (counted from the last progress), the per-call deadline and the channel deadline. Zero
 * means "none" for each. Comparisons use differences, so they survive {@code nanoTime} wrapping.
 */
final class WaitLimit {
  private WaitLimit() {}

  /** A timeout as nanoseconds (zero: none), refusing negative ones. */
  static long nanos(Duration timeout, String what) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative: " + timeout);
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return 0; // centuries: the same as none
    }
  }

  /**
   * Nanoseconds left before the first limit passes, or {@code Long.MAX_VALUE} when there is none;
   * zero or less means a limit has passed.
   */
  static long remaining(long now, long progress, long timeout, long callDeadline, long deadline) {
    long left = Long.MAX_VALUE;
    if (timeout > 0) {
      left = Math.min(left, progress + timeout - now);
    }
    if (callDeadline != 0) {
      left = Math.min(left, callDeadline - now);
    }
    if (deadline != 0) {
      left = Math.min(left, deadline - now);
    }
    return left;
  }

  /** The exception for a wait that ran into a limit, naming which one. */
  static SocketTimeoutException expired(
      String channel,
      String direction,
      long now,
      long timeout,
      long callDeadline,
      long deadline,
      long done,
      long size) {
    String which;
    if (deadline != 0 && deadline - now <= 0) {
      which = "the migration's deadline passed";
    } else if (callDeadline != 0 && callDeadline - now <= 0) {
      which = "the peer did not complete the record in time";
    } else {
      which = "no progress for " + Duration.ofNanos(timeout).toMillis() + " ms";
    }
    return new SocketTimeoutException(
        channel
            + ": "
            + direction
            + " timed out ("
            + which
            + ") with "
            + done
            + " of "
            + size
            + " bytes "
            + (direction.equals("read") ? "read" : "written"));
  }
}
