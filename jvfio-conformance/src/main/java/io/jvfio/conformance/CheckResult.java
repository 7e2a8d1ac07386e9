package io.jvfio.conformance;

/**
 * One check on one device.
 *
 * @param name a stable dotted name, e.g. {@code feature.order.argsz-before-index}
 * @param source where the rule comes from: a section of the project's spec and/or the Linux
 *     function
 * @param status pass, fail or skip
 * @param expected what the rule says, in the words of {@link Outcome} ("EINVAL", "ok", ...); for a
 *     skip, why it was skipped
 * @param actual what the device answered; empty for a skip
 */
public record CheckResult(
    String name, String source, Status status, String expected, String actual) {}
