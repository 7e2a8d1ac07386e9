package io.jvfio.migration.report;

import java.util.Locale;

/** Human units for bytes, rates and durations, formatted the same way everywhere (Locale.ROOT). */
final class Units {
  static final double MIB = 1024.0 * 1024.0;
  private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private Units() {}

  /** "512 B", "4.00 KiB", "12.3 MiB": three significant digits above 1 KiB. */
  static String bytes(double n) {
    if (!Double.isFinite(n)) {
      return "?";
    }
    String sign = n < 0 ? "-" : "";
    double v = Math.abs(n);
    if (v < 1024) {
      return sign + Math.round(v) + " B";
    }
    int unit = 0;
    while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
      v /= 1024;
      unit++;
    }
    // rounding may carry to 1024.0: move up a unit then
    if (v >= 999.5 && unit < BYTE_UNITS.length - 1) {
      v /= 1024;
      unit++;
    }
    return sign + threeDigits(v) + " " + BYTE_UNITS[unit];
  }

  /** "85.2 MiB/s", or "? B/s" when the rate is unknown. */
  static String rate(double bytesPerSecond) {
    return bytes(bytesPerSecond) + "/s";
  }

  /** Bytes per second as MiB/s with two decimals: "85.23 MiB/s". */
  static String mibPerSecond(double bytesPerSecond) {
    if (!Double.isFinite(bytesPerSecond)) {
      return "? MiB/s";
    }
    return String.format(Locale.ROOT, "%.2f MiB/s", bytesPerSecond / MIB);
  }

  /** Milliseconds with up to three decimals: "12.345 ms", "300 ms". */
  static String millis(double ms) {
    if (!Double.isFinite(ms)) {
      return "? ms";
    }
    String s = String.format(Locale.ROOT, "%.3f", ms);
    s = s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    return s + " ms";
  }

  /** A wall time: "850 ms", "1.234 s", "2 min 05 s", "1 h 02 min". */
  static String duration(long ms) {
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }

  /** A countdown: "0:07", "12:30", "1:02:03"; "--:--" when unknown. */
  static String clock(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0 || seconds > 99 * 3600.0) {
      return "--:--";
    }
    long s = (long) Math.ceil(seconds);
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
  }

  private static String threeDigits(double v) {
    if (v < 9.995) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    if (v < 99.95) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }
}
