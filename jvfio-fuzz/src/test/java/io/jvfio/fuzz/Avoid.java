package io.jvfio.fuzz;

import java.util.Set;

/**
 * Inputs the syscall fuzzer can be told not to generate, so that a long run gets past defects that
 * are already known and being fixed (system property {@code jvfio.fuzz.avoid}, a comma list). By
 * default nothing is avoided.
 *
 * @param exited ({@code exited}) syscalls by a process that has exited
 * @param passToExited ({@code passToExited}) fd passing to a process that has exited
 * @param closedSegments ({@code closed}) ioctl, read and write arguments in memory whose arena was
 *     closed
 * @param bigRequests ({@code big}) ioctl request numbers with bits above the low 32 set
 */
record Avoid(boolean exited, boolean passToExited, boolean closedSegments, boolean bigRequests) {
  static final Avoid NOTHING = new Avoid(false, false, false, false);

  static Avoid fromSystemProperty() {
    Set<String> s = Set.of(System.getProperty("jvfio.fuzz.avoid", "").split(","));
    return new Avoid(
        s.contains("exited"), s.contains("passToExited"), s.contains("closed"), s.contains("big"));
  }
}
