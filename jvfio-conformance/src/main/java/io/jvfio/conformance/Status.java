package io.jvfio.conformance;

/** A check's verdict. */
public enum Status {
  /** The device answered as the rule says. */
  PASS,
  /** It did not: the check's expected and actual differ. */
  FAIL,
  /** Not run: the device lacks what the rule is about, or the check needs --destructive. */
  SKIP
}
