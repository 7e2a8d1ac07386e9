package io.jvfio.host.sdk;

/**
 * A device model: the hardware behind a vfio-pci function, written against the device SDK. The core
 * calls these from under its locks, one at a time, and owns every rule about arguments, fds and
 * errno; a model only does device work and reports failure by throwing {@link DeviceFailure}.
 *
 * <p>Migration operations arrive with the migration protocol; until then a model has a lifecycle
 * (open, close) and a reset.
 */
public interface DeviceModel {
  /** A short name for listings ("plain", "edu"). */
  String name();

  /** The device is being opened by its first user (vfio-pci enable). */
  default void open(DeviceContext context) {}

  /** The last user closed the device (vfio-pci disable). */
  default void close() {}

  /** A function, slot or bus reset put the hardware back to its power-on state. */
  void reset();

  /** The host is going away: free native memory, stop threads. Called once, after close. */
  default void destroy() {}

  /** The migration driver, or null for a device that cannot migrate. */
  default MigrationDriver migration() {
    return null;
  }

  /** DMA dirty logging, or null when the device has none. */
  default DmaLogging dmaLogging() {
    return null;
  }

  /**
   * A VFIO_DEVICE_FEATURE index the core does not own. {@code ops} holds the GET, SET and PROBE
   * bits as given; {@code payload} is the data after the header. Return the ioctl result (0 for a
   * successful PROBE, GET or SET), or throw {@link MigrationException}; the default says the device
   * has no such feature.
   */
  default int deviceFeature(int index, int ops, java.lang.foreign.MemorySegment payload) {
    throw new MigrationException(io.jvfio.uapi.Errno.ENOTTY, "no device feature " + index);
  }
}
