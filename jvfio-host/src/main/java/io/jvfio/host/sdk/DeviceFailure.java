package io.jvfio.host.sdk;

/** A device model could not do what was asked; the core turns it into Linux's errno (EIO). */
public class DeviceFailure extends RuntimeException {
  public DeviceFailure(String message) {
    super(message);
  }
}
