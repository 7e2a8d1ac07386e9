package io.jvfio.conformance;

/**
 * A step a check needs before it can judge anything failed (opening the device, reaching a state):
 * the check that needed it is then reported as failed with this message.
 */
final class KitException extends RuntimeException {
  KitException(String message) {
    super(message);
  }
}
