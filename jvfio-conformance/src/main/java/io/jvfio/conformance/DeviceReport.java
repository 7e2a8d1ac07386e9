package io.jvfio.conformance;

import java.util.List;

/** The kit's checks on one device, in the order they ran. */
public record DeviceReport(String device, List<CheckResult> checks) {
  public DeviceReport {
    checks = List.copyOf(checks);
  }

  /** How many checks ended with {@code status}. */
  public long count(Status status) {
    return checks.stream().filter(c -> c.status() == status).count();
  }
}
