package io.jvfio.cli.json;

import io.jvfio.migration.report.Json;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one writer of the command line's JSON: every {@code --json} prints one object of this
 * package's records on one line. The {@code result} of each is {@link #OK}, {@link #FAILED} or
 * {@link #USAGE}. The writing is the reports' {@link Json}, so every {@code --json} of jvfio has
 * the same rules: one line of printable ASCII, plain numbers (never {@code 2.0E8}), absent values
 * left out.
 */
public final class CliJson {
  /** The command did what was asked. Exit code 0. */
  public static final String OK = "ok";

  /** It ran and did not succeed; the object has {@code error} and maybe {@code errno}. Exit 1. */
  public static final String FAILED = "failed";

  /** The command line was wrong; the object has {@code error}. Exit 2. */
  public static final String USAGE = "usage";

  private CliJson() {}

  /** {@code value} as one line of JSON (no line break at the end). */
  public static String line(Object value) {
    return Json.compact(value);
  }

  /** {@code x} rounded to {@code decimals} places, trailing zeros dropped; null when not finite. */
  public static BigDecimal round(double x, int decimals) {
    if (!Double.isFinite(x)) {
      return null;
    }
    BigDecimal d = BigDecimal.valueOf(x).setScale(decimals, RoundingMode.HALF_UP);
    return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
  }
}
