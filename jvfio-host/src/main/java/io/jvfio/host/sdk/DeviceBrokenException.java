package io.jvfio.host.sdk;

import io.jvfio.uapi.Errno;

/**
 * An arc failed and left the device in no valid state: the core moves it to ERROR, which only a
 * device reset leaves.
 */
public class DeviceBrokenException extends MigrationException {
  public DeviceBrokenException(Errno errno, String message) {
    super(errno, message);
  }
}
