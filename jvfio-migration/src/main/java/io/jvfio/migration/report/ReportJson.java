package io.jvfio.migration.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * A {@link MigrationReport} as the project's JSON vocabulary has it: {@code result} "ok" when the
 * migration completed, else "failed" with {@code error} (and {@code errno} when one is known); the
 * engine's own word in {@code outcome}. Field order is the order of the components.
 *
 * @param result "ok" or "failed"
 * @param outcome "completed", "failed", "cancelled", "digest mismatch", ...
 * @param side "sender" or "receiver"
 * @param error what went wrong, one sentence (only when result is "failed")
 * @param errno the errno name behind the error ("EIO"), when there is one
 * @param digestAlgorithm what every {@code digest} is ("SHA-256"), when a device has one
 * @param devices per device; {@code digest} is written even when null
 * @param guestRam the guest RAM's numbers (absent when the migration moved devices only)
 * @param downtimeMs the downtime, at most three decimals (null when unknown)
 * @param downtimeLimitMs the limit the source worked to (absent when this end does not know it)
 * @param downtimeOverLimit whether the downtime went over the limit (absent with the limit)
 * @param downtimeOverrunMs by how much (0 when within it; absent with the limit)
 * @param throughputBytesPerSec bytes moved per second, a whole number (null when unknown)
 * @param totalMs wall time of the migration
 * @param recovery notes on what was done afterwards (absent when none)
 */
record ReportJson(
    String result,
    String outcome,
    String side,
    String error,
    String errno,
    String digestAlgorithm,
    List<DeviceJson> devices,
    GuestRamReport guestRam,
    @JsonInclude(JsonInclude.Include.ALWAYS) BigDecimal downtimeMs,
    BigDecimal downtimeLimitMs,
    Boolean downtimeOverLimit,
    BigDecimal downtimeOverrunMs,
    @JsonInclude(JsonInclude.Include.ALWAYS) Long throughputBytesPerSec,
    long totalMs,
    List<String> recovery) {

  /** One device of {@link ReportJson}. */
  record DeviceJson(
      String bdf,
      String model,
      @JsonInclude(JsonInclude.Include.ALWAYS) String digest,
      long precopyBytes,
      long stopCopyBytes,
      int iterations,
      String finalState) {}

  static ReportJson of(MigrationReport r) {
    boolean ok = r.completed();
    String error = ok ? null : r.error() != null ? r.error() : "the migration " + r.outcome();
    boolean limitKnown = r.downtimeLimitMs() > 0;
    return new ReportJson(
        ok ? "ok" : "failed",
        r.outcome(),
        r.side().name().toLowerCase(Locale.ROOT),
        error,
        ok ? null : r.errno(),
        r.digestAlgorithm(),
        r.devices().stream()
            .map(d ->
                new DeviceJson(
                    d.bdf(),
                    d.model(),
                    d.digest(),
                    d.precopyBytes(),
                    d.stopCopyBytes(),
                    d.iterations(),
                    d.finalState()))
            .toList(),
        r.guestRam(),
        Json.millis(r.downtimeMs()),
        limitKnown ? Json.millis(r.downtimeLimitMs()) : null,
        limitKnown ? r.downtimeOverrunMs() > 0 : null,
        limitKnown ? Json.millis(r.downtimeOverrunMs()) : null,
        Json.whole(r.throughputBytesPerSec()),
        r.totalMs(),
        r.recovery().isEmpty() ? null : r.recovery());
  }
}
