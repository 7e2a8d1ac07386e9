package io.jvfio.devices.memdev;

import io.jvfio.host.sdk.DeviceFailure;

/**
 * A write needed backing memory beyond the {@link MemoryBudget}: nothing was written. Through the
 * core it is a device failure (EIO); a data fd write reports ENOMEM instead.
 */
public final class OutOfDeviceMemory extends DeviceFailure {
  public OutOfDeviceMemory(String message) {
    super(message);
  }
}
