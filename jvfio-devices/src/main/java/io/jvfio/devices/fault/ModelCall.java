package io.jvfio.devices.fault;

/**
 * The calls the core makes into a device model, for {@link FaultyDevice#crashAt}: each can be made
 * to throw what a buggy model would.
 */
public enum ModelCall {
  OPEN,
  CLOSE,
  RESET,
  DEVICE_FEATURE,
  ARC,
  STOP_COPY_LENGTH,
  MIGRATION_RESET,
  SAVING_READ,
  PRECOPY_INFO,
  POLL,
  RESUMING_WRITE,
  SESSION_CLOSE,
  LOG_START,
  LOG_STOP,
  LOG_REPORT
}
