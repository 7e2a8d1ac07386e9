package io.jvfio.conformance;

/**
 * A device to check, as user space reaches it: {@code device} names it in the report and is the
 * name VFIO_GROUP_GET_DEVICE_FD takes (a BDF, or an mdev UUID); {@code cdevPath} is its {@code
 * /dev/vfio/devices/vfioN}; {@code groupPath} its {@code /dev/vfio/N}, or null when the group form
 * is not to be checked. The kit opens only these nodes, {@code /dev/iommu} and {@code
 * /dev/vfio/vfio}, so any {@link io.jvfio.uapi.Syscalls} that has them (the emulated host's process
 * or the real kernel) can be checked.
 */
public record Target(String device, String cdevPath, String groupPath) {
  public Target {
    if (device == null || device.isBlank() || cdevPath == null || cdevPath.isBlank()) {
      throw new IllegalArgumentException("a target needs a device name and a cdev path");
    }
  }

  /** A device checked through its cdev only. */
  public Target(String device, String cdevPath) {
    this(device, cdevPath, null);
  }
}
