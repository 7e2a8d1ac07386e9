package io.jvfio.nativebackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sysfs tree in a temporary directory, laid out as Linux lays it out: devices under {@code
 * devices/}, the bus listings as relative links to them, {@code driver}, {@code iommu_group} and
 * {@code mdev_type} as relative links, groups under {@code kernel/iommu_groups} and vfio groups
 * under {@code class/vfio}.
 */
final class FakeSysfs {
  final Path root;

  FakeSysfs(Path root) {
    this.root = root;
    mkdirs("bus/pci/devices");
    mkdirs("bus/pci/drivers");
    mkdirs("kernel/iommu_groups");
    mkdirs("class/vfio");
  }

  /** A PCI function; {@code driver} null for none, {@code group} -1 for none, {@code cdev} -1. */
  FakeSysfs pci(String bdf, String vendor, String device, String driver, int group, int cdev) {
    String rel = "devices/pci0000:00/" + bdf;
    Path dir = mkdirs(rel);
    write(dir.resolve("vendor"), vendor + "\n");
    write(dir.resolve("device"), device + "\n");
    link(root.resolve("bus/pci/devices/" + bdf), "../../../" + rel);
    return bound(rel, "../../../bus/pci/drivers/", driver, group, false, cdev);
  }

  /** An mdev of {@code type} under the parent device {@code parent}, bound to {@code driver}. */
  FakeSysfs mdev(String uuid, String parent, String type, String driver, int group, int cdev) {
    mkdirs("bus/mdev/devices");
    String parentRel = "devices/virtual/" + parent + "/" + parent;
    mkdirs(parentRel + "/mdev_supported_types/" + type);
    String rel = parentRel + "/" + uuid;
    Path dir = mkdirs(rel);
    link(root.resolve("bus/mdev/devices/" + uuid), "../../../" + rel);
    link(dir.resolve("mdev_type"), "../mdev_supported_types/" + type);
    return bound(rel, "../../../../../bus/mdev/drivers/", driver, group, true, cdev);
  }

  /**
   * The device at {@code rel} bound to {@code driver} (its directory reached by {@code drivers}
   * from the device's), in group {@code group} and with vfio cdev {@code cdev} (-1: none).
   */
  private FakeSysfs bound(
      String rel, String drivers, String driver, int group, boolean mdev, int cdev) {
    Path dir = root.resolve(rel);
    if (driver != null) {
      mkdirs("bus/" + (mdev ? "mdev" : "pci") + "/drivers/" + driver);
      link(dir.resolve("driver"), drivers + driver);
    }
    if (group >= 0) {
      group(dir, group, mdev);
    }
    if (cdev >= 0) {
      mkdirs(rel + "/vfio-dev/vfio" + cdev);
    }
    return this;
  }

  /** Makes group {@code id} a noiommu one, as vfio does for a function without an IOMMU. */
  FakeSysfs noiommu(int id) {
    write(root.resolve("kernel/iommu_groups/" + id + "/name"), "vfio-noiommu\n");
    try {
      Files.deleteIfExists(root.resolve("class/vfio/" + id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    mkdirs("class/vfio/noiommu-" + id);
    return this;
  }

  private void group(Path dir, int id, boolean emulated) {
    mkdirs("kernel/iommu_groups/" + id + "/devices");
    if (emulated) {
      // vfio makes an mdev's group and names it as it names a noiommu one
      write(root.resolve("kernel/iommu_groups/" + id + "/name"), "vfio-noiommu\n");
    }
    mkdirs("class/vfio/" + id);
    int depth = root.relativize(dir).getNameCount();
    link(dir.resolve("iommu_group"), "../".repeat(depth) + "kernel/iommu_groups/" + id);
  }

  Path mkdirs(String rel) {
    try {
      return Files.createDirectories(root.resolve(rel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void link(Path at, String target) {
    try {
      Files.createDirectories(at.getParent());
      Files.deleteIfExists(at);
      Files.createSymbolicLink(at, Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
