package io.jvfio.conformance;

/**
 * A device to check, as user space reaches it: {@code device} names it in the report (a BDF or an
 * mdev UUID), {@code cdevPath} is its {@code /dev/vfio/devices/vfioN}. The kit opens it through
 * {@code /dev/iommu} and that cdev only, so any {@link io.jvfio.uapi.Syscalls} that has those nodes
 * (the emulated host's process or the real kernel) can be checked.
 */
public record Target(String device, String cdevPath) {
  public Target {
    if (device == null || device.isBlank() || cdevPath == null || cdevPath.isBlank()) {
      throw new IllegalArgumentException("a target needs a device name and a cdev path");
    }
  }
}
