package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code jvfio state save|load --json}.
 *
 * @param result {@value CliJson#OK}
 * @param backend {@code emulated} or {@code native}
 * @param command {@code save} or {@code load}
 * @param device the device (its BDF, mdev UUID)
 * @param as how it was opened: {@code cdev} (bound to an iommufd) or {@code group}
 * @param file the file written (save) or read (load)
 * @param bytes the stream's length
 * @param sha256 the stream's SHA-256, lowercase hex: the file's own digest
 * @param ms how long the data moved, device state changes included
 * @param state the device's migration state at the end (RUNNING)
 * @param resave with {@code --resave}: the state saved again after the load (absent otherwise)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StateJson(
    String result,
    String backend,
    String command,
    String device,
    String as,
    String file,
    long bytes,
    String sha256,
    java.math.BigDecimal ms,
    String state,
    Saved resave) {
  /** A file written by a save. */
  public record Saved(String file, long bytes, String sha256) {}
}
