package io.jvfio.client;

/**
 * A vfio device as user space finds it, on the emulated host or on a real machine: the name the
 * group's GET_DEVICE_FD takes (a PCI address, or an mdev's UUID), its cdev ({@code
 * /dev/vfio/devices/vfioN}, or null where the kernel has no vfio cdev), its group node ({@code
 * /dev/vfio/N}, or {@code /dev/vfio/noiommu-N}), what it is, and the ids its config space shows.
 *
 * @param driver the driver as sysfs names it: {@code vfio-pci} (or a variant driver's name) for a
 *     PCI function, {@code mdev:PARENT/TYPE} for a mediated device
 */
public record DeviceNode(
    String name,
    String cdevPath,
    String groupPath,
    Kind kind,
    int vendor,
    int deviceId,
    String driver) {

  /** The driver core a device sits on; where their rules differ, the kind says which apply. */
  public enum Kind {
    /** A PCI function bound to vfio-pci or a variant driver. */
    PCI,
    /**
     * A mediated device: an iommufd access instead of a HWPT, its parent's ioctls, no hot reset.
     */
    MDEV
  }

  public DeviceNode {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a device node needs a name");
    }
    if (kind == null) {
      throw new IllegalArgumentException("a device node needs a kind");
    }
  }

  /** True when {@code text} names this device: its name (any case), its cdev or its group node. */
  public boolean isNamedBy(String text) {
    return name.equalsIgnoreCase(text) || text.equals(cdevPath);
  }
}
