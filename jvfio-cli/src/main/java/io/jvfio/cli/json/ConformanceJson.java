package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code jvfio conformance --json}.
 *
 * @param result {@value CliJson#OK} when no check failed, else {@value CliJson#FAILED}
 * @param backend the Syscalls the kit ran through: "emulated"
 * @param devices each device's checks, in the order they ran
 * @param counts the checks of every device by status
 * @param error with {@value CliJson#FAILED}: how many checks failed, in a sentence
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConformanceJson(
    String result, String backend, List<Device> devices, Counts counts, String error) {
  /** One device: its name (a BDF) and cdev, and its checks. */
  public record Device(String device, String cdev, List<Check> checks) {}

  /**
   * One check: {@code status} is "pass", "fail" or "skip"; a skip's {@code expected} says why it
   * did not run and its {@code actual} is empty.
   */
  public record Check(String name, String source, String status, String expected, String actual) {}

  /** How many checks passed, failed and were skipped, over every device. */
  public record Counts(long checks, long pass, long fail, long skip) {}
}
