package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code jvfio compare --json}: two result files check by check.
 *
 * @param result {@value CliJson#OK} when every difference is a known one, else {@value
 *     CliJson#FAILED}
 * @param kind "conformance" or "fsm": which command wrote both files
 * @param nativeFile the first file, the emulatedFile the second
 * @param devices the device pairs in the first file's order, then the second's unpaired devices
 * @param counts every check by outcome
 * @param unusedKnown globs of the known-differences list that matched no difference
 * @param error with {@value CliJson#FAILED}: how many checks differ, in a sentence
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompareJson(
    String result,
    String kind,
    String nativeFile,
    String emulatedFile,
    List<Device> devices,
    Counts counts,
    List<String> unusedKnown,
    String error) {

  /**
   * Two devices' names (null for a side without the device) and how they were paired: "name",
   * "position" or "none".
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Device(
      String nativeDevice, String emulatedDevice, String matchedBy, List<Check> checks) {}

  /**
   * One check: {@code outcome} is "equal", "known", "differs", "native-only" or "emulated-only";
   * each side's status and actual (absent for a side without the check); for "known", the list's
   * Linux commit and reason.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Check(
      String name,
      String outcome,
      Side nativeSide,
      Side emulatedSide,
      String commit,
      String reason) {}

  /** What one side said. */
  public record Side(String status, String actual) {}

  /** Checks by outcome. */
  public record Counts(
      long checks, long equal, long known, long differs, long nativeOnly, long emulatedOnly) {}
}
