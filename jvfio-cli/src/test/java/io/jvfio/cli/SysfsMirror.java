package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A sysfs tree in a temporary directory that shows a list of vfio devices as Linux would show them
 * (bus listings and {@code driver}, {@code iommu_group}, {@code mdev_type} as relative links,
 * {@code vfio-dev/vfioN} for a cdev), so the native backend's discovery can be run on the devices
 * of an emulated topology; with {@link #withDevVfio} a {@code vfio} dir for {@code jvfio.devfs}.
 */
final class SysfsMirror {
  private SysfsMirror() {}

  /** Writes {@code devices} under {@code root}/sys and returns that directory. */
  static Path write(Path root, List<DeviceNode> devices) {
    Path sys = root.resolve("sys");
    mkdirs(sys.resolve("bus/pci/devices"));
    mkdirs(sys.resolve("bus/pci/drivers/vfio-pci"));
    for (DeviceNode d : devices) {
      Path dir;
      if (d.kind() == DeviceNode.Kind.PCI) {
        String rel = "devices/pci0000:00/" + d.name();
        dir = mkdirs(sys.resolve(rel));
        text(dir.resolve("vendor"), String.format("0x%04x%n", d.vendor()));
        text(dir.resolve("device"), String.format("0x%04x%n", d.deviceId()));
        link(sys.resolve("bus/pci/devices/" + d.name()), "../../../" + rel);
        mkdirs(sys.resolve("bus/pci/drivers/" + d.driver()));
        link(dir.resolve("driver"), "../../../bus/pci/drivers/" + d.driver());
      } else {
        // driver "mdev:PARENT/TYPE"; the parent's own driver names the mdev driver (mtty's)
        String[] pt = d.driver().substring("mdev:".length()).split("/");
        String parentRel = "devices/virtual/" + pt[0] + "/" + pt[0];
        mkdirs(sys.resolve(parentRel + "/mdev_supported_types/" + pt[1]));
        String rel = parentRel + "/" + d.name();
        dir = mkdirs(sys.resolve(rel));
        link(sys.resolve("bus/mdev/devices/" + d.name()), "../../../" + rel);
        link(dir.resolve("mdev_type"), "../mdev_supported_types/" + pt[1]);
        mkdirs(sys.resolve("bus/mdev/drivers/" + pt[0]));
        link(dir.resolve("driver"), "../../../../../bus/mdev/drivers/" + pt[0]);
      }
      String group = d.groupPath().substring("/dev/vfio/".length());
      String id = group.replace("noiommu-", "");
      mkdirs(sys.resolve("kernel/iommu_groups/" + id + "/devices"));
      mkdirs(sys.resolve("class/vfio/" + group));
      int depth = sys.relativize(dir).getNameCount();
      link(dir.resolve("iommu_group"), "../".repeat(depth) + "kernel/iommu_groups/" + id);
      if (d.cdevPath() != null) {
        mkdirs(dir.resolve("vfio-dev/" + Path.of(d.cdevPath()).getFileName()));
      }
    }
    return sys;
  }

  /** A {@code dev} dir under {@code root} with an empty {@code vfio} in it; returns {@code dev}. */
  static Path withDevVfio(Path root) {
    return mkdirs(root.resolve("dev/vfio")).getParent();
  }

  /** Runs {@code body} with the native backend reading {@code sys} and {@code dev}. */
  static <T> T with(Path sys, Path dev, java.util.function.Supplier<T> body) {
    String oldSys = System.setProperty(NativeBackend.SYSFS_PROPERTY, sys.toString());
    String oldDev = System.setProperty(NativeBackend.DEVFS_PROPERTY, dev.toString());
    try {
      return body.get();
    } finally {
      restore(NativeBackend.SYSFS_PROPERTY, oldSys);
      restore(NativeBackend.DEVFS_PROPERTY, oldDev);
    }
  }

  private static void restore(String key, String old) {
    if (old == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, old);
    }
  }

  private static Path mkdirs(Path p) {
    try {
      return Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void link(Path at, String target) {
    try {
      Files.createDirectories(at.getParent());
      Files.createSymbolicLink(at, Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void text(Path file, String s) {
    try {
      Files.writeString(file, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
