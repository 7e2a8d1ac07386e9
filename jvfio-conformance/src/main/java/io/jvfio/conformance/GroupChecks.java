package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The legacy path to the device: its group in a type1 container and VFIO_GROUP_GET_DEVICE_FD by
 * name (linux-cdev-hot-reset.md §2; group.c {@code vfio_group_ioctl_get_device_fd}). Run with no
 * cdev of the device open, since a group and a bound cdev exclude each other.
 */
final class GroupChecks {
  private static final String GET_FD =
      "linux-cdev-hot-reset.md §2; group.c vfio_group_ioctl_get_device_fd";

  private GroupChecks() {}

  static void run(Syscalls sys, Target t, Recorder r) {
    if (t.groupPath() == null) {
      r.skip("group", GET_FD, "no group path given for the device");
      return;
    }
    int group = sys.open(t.groupPath(), OpenFlags.O_RDWR);
    int container = sys.open("/dev/vfio/vfio", OpenFlags.O_RDWR);
    try {
      if (group < 0 || container < 0) {
        throw new KitException(
            "open "
                + t.groupPath()
                + " and /dev/vfio/vfio: "
                + Outcome.of(group)
                + ", "
                + Outcome.of(container));
      }
      r.check(
          "group.get-device-fd.no-container",
          GET_FD + " (the group must be in a container first)",
          "EINVAL",
          Outcome.of(getDeviceFd(sys, group, t.device())));
      int r1 =
          sys.ioctl(
              group,
              VfioIoctls.VFIO_GROUP_SET_CONTAINER,
              MemorySegment.ofArray(new int[] {container}));
      int r2 = r1 < 0 ? r1 : sys.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
      r.check("group.type1-container", GET_FD, Outcome.OK, Outcome.of(r2));
      if (r2 < 0) {
        return;
      }
      r.check(
          "group.get-device-fd.unknown-name",
          GET_FD + "; vfio_device_get_from_name",
          "ENODEV",
          Outcome.of(getDeviceFd(sys, group, "no-such-device")));
      int dev = getDeviceFd(sys, group, t.device());
      r.check("group.get-device-fd", GET_FD, Outcome.OK, Outcome.of(dev));
      if (dev >= 0) {
        sys.close(dev);
      }
    } catch (KitException e) {
      r.broken("group", GET_FD, "the device opens through its group", e);
    } finally {
      for (int fd : new int[] {group, container}) {
        if (fd >= 0) {
          sys.close(fd);
        }
      }
    }
  }

  private static int getDeviceFd(Syscalls sys, int group, String name) {
    byte[] bytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
    return sys.ioctl(group, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, MemorySegment.ofArray(bytes));
  }
}
