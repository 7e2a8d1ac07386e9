package io.jvfio.client;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A legacy VFIO group ({@code /dev/vfio/N}). */
public final class VfioGroup implements AutoCloseable {
  private final Syscalls sys;
  private final int id;
  private final String path;
  private final int fd;

  private VfioGroup(Syscalls sys, int id, String path, int fd) {
    this.sys = sys;
    this.id = id;
    this.path = path;
    this.fd = fd;
  }

  public static VfioGroup open(Syscalls sys, int id) {
    return open(sys, "/dev/vfio/" + id);
  }

  /**
   * Opens the group node at {@code path}, as sysfs or a topology names it ({@code /dev/vfio/N}, or
   * {@code /dev/vfio/noiommu-N}, whose id is -1 here).
   */
  public static VfioGroup open(Syscalls sys, String path) {
    String last = path.substring(path.lastIndexOf('/') + 1);
    int id = last.chars().allMatch(Character::isDigit) && !last.isEmpty() ? parse(last) : -1;
    return new VfioGroup(
        sys, id, path, Calls.check(sys.open(path, OpenFlags.O_RDWR), "open(" + path + ")"));
  }

  private static int parse(String digits) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      return -1; // more digits than an int holds: no group the kernel makes
    }
  }

  public int id() {
    return id;
  }

  public int fd() {
    return fd;
  }

  /** Whether the group is viable (no DMA owner outside VFIO). */
  public boolean viable() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioGroupStatus.SIZEOF);
      VfioGroupStatus.ARGSZ.set(s, (int) VfioGroupStatus.SIZEOF);
      Calls.check(sys.ioctl(fd, VfioIoctls.VFIO_GROUP_GET_STATUS, s), "VFIO_GROUP_GET_STATUS");
      return (VfioGroupStatus.FLAGS.get(s) & VfioConstants.VFIO_GROUP_FLAGS_VIABLE) != 0;
    }
  }

  /** VFIO_GROUP_SET_CONTAINER with a legacy container or an iommufd (its fd). */
  public void setContainer(int containerOrIommufd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(4);
      s.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, containerOrIommufd);
      Calls.check(
          sys.ioctl(fd, VfioIoctls.VFIO_GROUP_SET_CONTAINER, s), "VFIO_GROUP_SET_CONTAINER");
    }
  }

  /** VFIO_GROUP_GET_DEVICE_FD by name ({@code 0000:02:00.0}). */
  public VfioDevice device(String name) {
    try (Arena a = Arena.ofConfined()) {
      int dfd =
          Calls.check(
              sys.ioctl(fd, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, a.allocateFrom(name)),
              "VFIO_GROUP_GET_DEVICE_FD(" + name + ")");
      return new VfioDevice(sys, dfd, name, false);
    }
  }

  @Override
  public void close() {
    Calls.check(sys.close(fd), "close(" + path + ")");
  }
}
