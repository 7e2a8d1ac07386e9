package io.jvfio.migration.report;

import io.jvfio.migration.report.MigrationReport.DeviceReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A {@link MigrationReport} as text for a person, or as one compact JSON object for a program. */
public final class Summary {
  /** How many hex digits of a digest the text shows. */
  static final int DIGEST_SHORT = 12;

  private static final String[] HEADER = {
    "device", "model", "precopy", "stop-copy", "iterations", "final state", "digest"
  };

  /** Right-aligned columns (the numbers). */
  private static final boolean[] RIGHT = {false, false, true, true, true, false, false};

  private Summary() {}

  /**
   * A multi-line summary: the outcome, which end, what the digests are, a table with one row per
   * device, the totals (the downtime beside its limit, OVER when it went beyond), then the error
   * and the notes when there are any. Lines end with {@code \n}.
   */
  public static String text(MigrationReport r) {
    StringBuilder b = new StringBuilder();
    b.append("Migration ")
        .append(r.outcome())
        .append(" (")
        .append(r.side() == MigrationReport.Side.SENDER ? "sender" : "receiver")
        .append(r.digestAlgorithm() == null ? "" : "; digests are " + r.digestAlgorithm())
        .append(")\n");
    if (r.devices().isEmpty()) {
      b.append("  (no devices)\n");
    } else {
      List<String[]> rows = new ArrayList<>();
      rows.add(HEADER);
      for (DeviceReport d : r.devices()) {
        rows.add(
            new String[] {
              d.bdf(),
              orDash(d.model()),
              Units.bytes(d.precopyBytes()),
              Units.bytes(d.stopCopyBytes()),
              Integer.toString(d.iterations()),
              orDash(d.finalState()),
              shortDigest(d.digest())
            });
      }
      table(b, rows);
    }
    b.append(
        String.format(
            Locale.ROOT,
            "Total: %s moved, downtime %s%s, throughput %s, total time %s\n",
            moved(r),
            Units.millis(r.downtimeMs()),
            limit(r),
            Units.mibPerSecond(r.throughputBytesPerSec()),
            Units.duration(r.totalMs())));
    if (r.guestRam() != null) {
      b.append(guestRam(r.guestRam(), r.side()));
    }
    if (r.error() != null) {
      b.append("Error: ").append(oneLine(r.error()));
      b.append(r.errno() == null ? "" : " (" + r.errno() + ")").append('\n');
    }
    if (!r.recovery().isEmpty()) {
      b.append("Notes:\n");
      for (String note : r.recovery()) {
        b.append("  - ").append(oneLine(note)).append('\n');
      }
    }
    return b.toString();
  }

  /**
   * What moved: the device state, and the guest RAM's pages beside it (the throughput counts both).
   */
  private static String moved(MigrationReport r) {
    if (r.guestRam() == null) {
      return Units.bytes(r.totalBytes());
    }
    return Units.bytes(r.totalBytes())
        + " of device state and "
        + Units.bytes(r.guestRam().bytesSent())
        + " of guest RAM pages";
  }

  /** The guest RAM's lines: what moved, who dirtied pages, how device writes were tracked. */
  static String guestRam(GuestRamReport g, MigrationReport.Side side) {
    boolean sender = side == MigrationReport.Side.SENDER;
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "Guest RAM: %s, %s of pages %s and %d zero pages as markers, %d pass%s",
            Units.bytes(g.bytes()),
            Units.bytes(g.bytesSent()),
            sender ? "sent" : "received",
            g.zeroPages(),
            g.iterations(),
            g.iterations() == 1 ? "" : "es"));
    if (sender) {
      // only the sender knows who dirtied the pages and how device writes were tracked
      b.append(
          String.format(
              Locale.ROOT,
              "; pages dirtied by the CPU %d, by devices %d\n",
              g.pagesDirtiedByCpu(),
              g.pagesDirtiedByDevices()));
      b.append("  device writes tracked by: ")
          .append(g.trackingMethod())
          .append(" (")
          .append(oneLine(g.trackingReason()))
          .append(")\n");
    } else {
      b.append('\n');
    }
    if (sender && g.cpuThrottlePercent() > 0) {
      b.append(
          String.format(
              Locale.ROOT,
              "  auto-converge throttled the vCPUs up to %d %% of their time\n",
              g.cpuThrottlePercent()));
    }
    if (sender && g.stopCopyEstimateBytes() >= 0) {
      b.append(
          String.format(
              Locale.ROOT,
              "  in the downtime: %s of pages (expected %s at the switchover)\n",
              Units.bytes(g.stopCopyBytes()),
              Units.bytes(g.stopCopyEstimateBytes())));
    } else {
      b.append("  in the downtime: ").append(Units.bytes(g.stopCopyBytes())).append(" of pages\n");
    }
    b.append("  RAM digest: ")
        .append(g.digest() == null ? "-" : g.digest())
        .append(g.digest() == null ? "" : " (" + g.digestAlgorithm() + ")")
        .append('\n');
    return b.toString();
  }

  /** " (limit 300 ms)", or " (OVER the 300 ms limit by 20 ms)", or nothing when unknown. */
  private static String limit(MigrationReport r) {
    if (r.downtimeLimitMs() <= 0) {
      return "";
    }
    if (r.downtimeOverrunMs() > 0) {
      return " (OVER the "
          + Units.millis(r.downtimeLimitMs())
          + " limit by "
          + Units.millis(r.downtimeOverrunMs())
          + ")";
    }
    return " (limit " + Units.millis(r.downtimeLimitMs()) + ")";
  }

  /**
   * One compact JSON object on one line, in the project's vocabulary: {@code result} "ok" when the
   * migration completed, else "failed" with {@code error} (and {@code errno} when known); {@code
   * outcome} (the engine's word), {@code side}, {@code digestAlgorithm}, {@code devices} (each with
   * {@code bdf}, {@code model}, {@code digest}, {@code precopyBytes}, {@code stopCopyBytes}, {@code
   * iterations}, {@code finalState}), {@code downtimeMs}, {@code downtimeLimitMs}, {@code
   * downtimeOverLimit} and {@code downtimeOverrunMs} (when the limit is known), {@code
   * throughputBytesPerSec} (whole bytes per second), {@code totalMs}, and {@code recovery} when
   * there are notes. See {@link ReportJson}.
   */
  public static String json(MigrationReport r) {
    return Json.compact(ReportJson.of(r));
  }

  /** The first {@link #DIGEST_SHORT} characters of a digest, or "-". */
  static String shortDigest(String digest) {
    if (digest == null || digest.isEmpty()) {
      return "-";
    }
    return digest.length() <= DIGEST_SHORT ? digest : digest.substring(0, DIGEST_SHORT);
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : oneLine(s);
  }

  /** Keeps a table or list entry on one line. */
  private static String oneLine(String s) {
    return s.replaceAll("\\R+", " ");
  }

  private static void table(StringBuilder b, List<String[]> rows) {
    int[] width = new int[HEADER.length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int c = 0; c < row.length; c++) {
        if (c > 0) {
          line.append("  ");
        }
        String pad = " ".repeat(width[c] - row[c].length());
        line.append(RIGHT[c] ? pad + row[c] : row[c] + pad);
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
