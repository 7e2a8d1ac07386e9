package io.jvfio.cli;

import static io.jvfio.uapi.vfio.VfioConstants.VFIO_NOIOMMU_IOMMU;
import static io.jvfio.uapi.vfio.VfioConstants.VFIO_TYPE1v2_IOMMU;

import io.jvfio.client.DeviceNode;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens vfio devices in one process as a VMM does, through raw calls so the answers stay visible:
 * through their cdevs, every one bound to one iommufd, or through their groups, every group in one
 * container (type1v2, or noiommu for {@code /dev/vfio/noiommu-N}). Devices can be added after the
 * first ones (a hot reset learns its scope from the kernel). Works on any {@link Syscalls}: the
 * emulated host's process or the real kernel. The fds stay open until the process (the backend's
 * session) ends.
 */
final class DeviceOpener {
  /** How devices are opened. */
  enum As {
    cdev,
    group
  }

  /** A step failed: what was asked, and the kernel's answer. */
  static final class Failed extends Exception {
    final String what;
    final int ret;

    Failed(String what, int ret) {
      super(what + " failed with " + Errno.describe(ret), null, false, false);
      this.what = what;
      this.ret = ret;
    }
  }

  private final Syscalls sys;
  private final As as;
  private int iommufd = -1;
  private int container = -1;
  private final Map<String, Integer> groupFds = new LinkedHashMap<>();
  private final Map<String, Integer> deviceFds = new LinkedHashMap<>();

  DeviceOpener(Syscalls sys, As as) {
    this.sys = sys;
    this.as = as;
  }

  As as() {
    return as;
  }

  /**
   * Makes {@code d} owned by this process: cdev opened and bound (cdev), or its group in the
   * container (group). With {@code wantFd} on the group path, the device's fd is asked for too
   * (VFIO_GROUP_GET_DEVICE_FD); on the cdev path the bound cdev is the device fd.
   */
  void add(DeviceNode d, boolean wantFd) throws Failed {
    if (as == As.cdev) {
      bind(d);
    } else {
      joinGroup(d.groupPath());
      if (wantFd && !deviceFds.containsKey(d.name())) {
        byte[] name = (d.name() + "\0").getBytes(StandardCharsets.US_ASCII);
        int fd =
            sys.ioctl(
                groupFds.get(d.groupPath()),
                VfioIoctls.VFIO_GROUP_GET_DEVICE_FD,
                MemorySegment.ofArray(name));
        if (fd < 0) {
          throw new Failed("VFIO_GROUP_GET_DEVICE_FD " + d.name(), fd);
        }
        deviceFds.put(d.name(), fd);
      }
    }
  }

  /** The fd of a device {@link #add added} with its fd. */
  int fd(DeviceNode d) {
    Integer fd = deviceFds.get(d.name());
    if (fd == null) {
      throw new IllegalStateException(d.name() + " was not opened with its fd");
    }
    return fd;
  }

  /** Whether {@code d} is owned already: bound (cdev), or its group is in the container. */
  boolean owns(DeviceNode d) {
    return as == As.cdev ? deviceFds.containsKey(d.name()) : groupFds.containsKey(d.groupPath());
  }

  /** The group fds in the order the groups joined, for VFIO_DEVICE_PCI_HOT_RESET. */
  int[] groupFds() {
    return groupFds.values().stream().mapToInt(Integer::intValue).toArray();
  }

  /** Whether the group with this id has joined the container. */
  boolean hasGroup(long id) {
    return groupFds.keySet().stream().anyMatch(p -> p.endsWith("/" + id) || p.endsWith("-" + id));
  }

  private void bind(DeviceNode d) throws Failed {
    if (deviceFds.containsKey(d.name())) {
      return;
    }
    String cdev = Backends.cdevOf(d, "--as cdev");
    if (iommufd < 0) {
      iommufd = check(sys.open("/dev/iommu", OpenFlags.O_RDWR), "open /dev/iommu");
    }
    int fd = check(sys.open(cdev, OpenFlags.O_RDWR), "open " + cdev);
    MemorySegment b = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
    VfioDeviceBindIommufd.ARGSZ.set(b, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(b, iommufd);
    check(sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b), "BIND of " + d.name());
    deviceFds.put(d.name(), fd);
  }

  private void joinGroup(String path) throws Failed {
    if (groupFds.containsKey(path)) {
      return;
    }
    if (container < 0) {
      container = check(sys.open("/dev/vfio/vfio", OpenFlags.O_RDWR), "open /dev/vfio/vfio");
    }
    int g = check(sys.open(path, OpenFlags.O_RDWR), "open " + path);
    check(
        sys.ioctl(
            g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, MemorySegment.ofArray(new int[] {container})),
        "VFIO_GROUP_SET_CONTAINER of " + path);
    if (groupFds.isEmpty()) {
      // the first group decides the container's IOMMU; a noiommu group has only the noiommu one
      int type = path.contains("noiommu-") ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;
      check(sys.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, type), "VFIO_SET_IOMMU");
    }
    groupFds.put(path, g);
  }

  private static int check(int r, String what) throws Failed {
    if (r < 0) {
      throw new Failed(what, r);
    }
    return r;
  }
}
