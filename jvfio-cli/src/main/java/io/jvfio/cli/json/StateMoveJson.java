package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code jvfio state move --json}.
 *
 * @param result {@value CliJson#OK}
 * @param backend {@code emulated} or {@code native}
 * @param from the device whose state was saved
 * @param to the device that resumed it
 * @param bytes the stream's length
 * @param sha256 the stream's SHA-256, lowercase hex (what {@code state save} of {@code from} would
 *     have written to its file)
 * @param ms how long the move took, device state changes included
 * @param states each device's migration state at the end (both RUNNING)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StateMoveJson(
    String result,
    String backend,
    String from,
    String to,
    String as,
    long bytes,
    String sha256,
    java.math.BigDecimal ms,
    States states) {
  /** The migration states of the two devices after the move. */
  public record States(String from, String to) {}
}
