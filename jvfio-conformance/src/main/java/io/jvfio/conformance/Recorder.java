package io.jvfio.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Collects one device's results; a check passes when its actual is one of the accepted answers. */
final class Recorder {
  private final List<CheckResult> results = new ArrayList<>();

  void check(String name, String source, String expected, String actual) {
    check(name, source, Set.of(expected), expected, actual);
  }

  /** {@code accepted}: every answer the rule allows; {@code expected} says them for a person. */
  void check(String name, String source, Set<String> accepted, String expected, String actual) {
    Status s = accepted.contains(actual) ? Status.PASS : Status.FAIL;
    results.add(new CheckResult(name, source, s, expected, actual));
  }

  void skip(String name, String source, String why) {
    results.add(new CheckResult(name, source, Status.SKIP, why, ""));
  }

  /** A check whose setup failed: failed, with what went wrong as its actual. */
  void broken(String name, String source, String expected, KitException e) {
    results.add(new CheckResult(name, source, Status.FAIL, expected, e.getMessage()));
  }

  List<CheckResult> results() {
    return results;
  }
}
