package io.jvfio.fuzz;

import java.util.Set;

/**
 * Inputs the syscall fuzzer can be told not to generate, so that a long run gets past defects that
 * are already known and being fixed (system property {@code jvfio.fuzz.avoid}, a comma list). By
 * default nothing is avoided.
 *
 * @param exited syscalls by, and fd passing to, a process that has exited
 * @param closedSegments ioctl, read and write arguments in memory whose arena was closed
 * @param bigRequests ioctl request numbers with bits above the low 32 set
 */
record Avoid(boolean exited, boolean closedSegments, boolean bigRequests) {
  static Avoid fromSystemProperty() {
    Set<String> s = Set.of(System.getProperty("jvfio.fuzz.avoid", "").split(","));
    return new Avoid(s.contains("exited"), s.contains("closed"), s.contains("big"));
  }
}
