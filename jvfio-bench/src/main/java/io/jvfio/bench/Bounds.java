package io.jvfio.bench;

/**
 * The range checks of the benches' options, each refusal one sentence "WHAT must be LO-HI UNIT, not
 * VALUE" (the CLI shows it after the option and the value).
 */
final class Bounds {
  private Bounds() {}

  /** The largest memdev one bench asks for, in MiB. */
  static final int MEMDEV_MIB = 16384;

  /** The highest rate (pages or writes per second) a bench's workload may be given. */
  static final int RATE = 10_000_000;

  /** {@code value} within {@code lo} to {@code hi}; {@code unit} is "" or " MiB" and the like. */
  static void check(long value, long lo, long hi, String what, String unit) {
    if (value < lo || value > hi) {
      throw new IllegalArgumentException(
          what + " must be " + lo + "-" + hi + unit + ", not " + value);
    }
  }

  /** A rate from 0 to {@link #RATE} (NaN refused too). */
  static void rate(double value, String what, String unit) {
    if (!(value >= 0 && value <= RATE)) {
      throw new IllegalArgumentException(what + " must be 0-" + RATE + unit + ", not " + value);
    }
  }
}
