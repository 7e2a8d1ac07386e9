package io.jvfio.conformance;

import io.jvfio.client.DeviceNode;
import io.jvfio.client.DeviceNode.Kind;

/**
 * A device to check, as user space reaches it: {@code device} names it in the report and is the
 * name VFIO_GROUP_GET_DEVICE_FD takes (a BDF, or an mdev UUID); {@code cdevPath} is its {@code
 * /dev/vfio/devices/vfioN}; {@code groupPath} its {@code /dev/vfio/N}, or null when the group form
 * is not to be checked; {@code kind} says which rules apply where vfio-pci and an mdev differ. The
 * kit opens only these nodes, {@code /dev/iommu} and {@code /dev/vfio/vfio}, so any {@link
 * io.jvfio.uapi.Syscalls} that has them (the emulated host's process or the real kernel) can be
 * checked.
 */
public record Target(String device, String cdevPath, String groupPath, Kind kind) {

  public Target {
    if (device == null || device.isBlank() || cdevPath == null || cdevPath.isBlank()) {
      throw new IllegalArgumentException("a target needs a device name and a cdev path");
    }
    if (kind == null) {
      throw new IllegalArgumentException("a target needs a kind (PCI or MDEV)");
    }
  }

  /** A vfio-pci function checked through its cdev and, when {@code groupPath} is set, its group. */
  public Target(String device, String cdevPath, String groupPath) {
    this(device, cdevPath, groupPath, Kind.PCI);
  }

  /** A vfio-pci function checked through its cdev only. */
  public Target(String device, String cdevPath) {
    this(device, cdevPath, null, Kind.PCI);
  }

  /** The target for a device node, with its group path when it has one. */
  public static Target of(DeviceNode node) {
    return new Target(node.name(), node.cdevPath(), node.groupPath(), node.kind());
  }

  public boolean isMdev() {
    return kind == Kind.MDEV;
  }
}
