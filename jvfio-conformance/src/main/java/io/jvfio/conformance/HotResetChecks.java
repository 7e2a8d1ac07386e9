package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO in both forms and VFIO_DEVICE_PCI_HOT_RESET's refusals
 * (linux-cdev-hot-reset.md §7, §8; vfio_pci_core.c {@code vfio_pci_ioctl_get_pci_hot_reset_info},
 * {@code vfio_pci_ioctl_pci_hot_reset}). INFO changes nothing; the HOT_RESET calls are all ones the
 * rules refuse before any reset, but a device that broke the rule would reset its bus, so they run
 * only when destructive.
 */
final class HotResetChecks {
  private static final String INFO =
      "linux-cdev-hot-reset.md §7.2; vfio_pci_core.c vfio_pci_ioctl_get_pci_hot_reset_info";
  private static final String RESET =
      "linux-cdev-hot-reset.md §8.1, §8.2; vfio_pci_core.c vfio_pci_ioctl_pci_hot_reset";

  private static final String MDEV =
      "docs/mdev.md; vfio_pci_core.c (vfio-pci-core drivers only); mtty.c mtty_ioctl";

  /** A number far above any fd the kit opens. */
  private static final int CLOSED_FD = 1 << 20;

  private HotResetChecks() {}

  /** The device's INFO answer: the return, the header, and the device's own entry's id. */
  private record Info(int ret, int count, int flags, Long ownId, int notOwned) {}

  /**
   * An mdev has no PCI hot reset: the two ioctls belong to vfio-pci-core, and the mdev's parent
   * driver answers any ioctl it does not know with ENOTTY.
   */
  static void mdev(RawDevice d, boolean destructive, Recorder r) {
    String source = MDEV + " (the parent driver has no PCI hot reset)";
    r.check(
        "hot-reset.info.mdev",
        source,
        "ENOTTY",
        Outcome.of(infoHeader(d.sys, d.fd, (int) VfioPciHotResetInfo.MINSZ)));
    if (!destructive) {
      r.skip("hot-reset.mdev", source, ConformanceKit.DESTRUCTIVE);
      return;
    }
    r.check("hot-reset.mdev", source, "ENOTTY", Outcome.of(hotReset(d.sys, d.fd, new int[0])));
  }

  /** The cdev form, on a bound device; false when the device has no hot-reset scope. */
  static boolean cdev(RawDevice d, String bdf, boolean destructive, Recorder r) {
    r.check("hot-reset.info.argsz-short", INFO, "EINVAL", Outcome.of(infoHeader(d.sys, d.fd, 8)));
    MemorySegment h = MemorySegment.ofArray(new byte[(int) VfioPciHotResetInfo.MINSZ]);
    VfioPciHotResetInfo.ARGSZ.set(h, (int) VfioPciHotResetInfo.MINSZ);
    int ret = d.sys.ioctl(d.fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h);
    if (ret == Errno.ENODEV.negative()) {
      r.skip(
          "hot-reset",
          INFO,
          "no slot or bus reset covers the device (INFO answered ENODEV); only a function reset");
      return false;
    }
    int count = VfioPciHotResetInfo.COUNT.get(h);
    r.check(
        "hot-reset.info.enospc-gives-count",
        INFO + " (the flags are not reported with ENOSPC)",
        "ENOSPC, count > 0, flags 0",
        Outcome.of(ret)
            + (count > 0 ? ", count > 0" : ", count " + count)
            + ", flags "
            + VfioPciHotResetInfo.FLAGS.get(h));
    Info info = info(d.sys, d.fd, bdf, count);
    boolean ownedFlag = (info.flags() & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) != 0;
    r.check(
        "hot-reset.info.cdev-form",
        INFO + " (a cdev caller gets devids, its own entry its devid)",
        "ok, DEV_ID set, own entry devid " + d.devid,
        Outcome.of(info.ret())
            + ((info.flags() & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) != 0
                ? ", DEV_ID set"
                : ", no DEV_ID")
            + ", own entry "
            + (info.ownId() == null ? "missing" : "devid " + info.ownId()));
    // any NOT_OWNED entry clears DEV_ID_OWNED, and only that does
    r.check(
        "hot-reset.info.owned-flag",
        INFO + "; §7.3",
        "DEV_ID_OWNED set exactly when no entry is NOT_OWNED",
        ownedFlag == (info.notOwned() == 0)
            ? "DEV_ID_OWNED set exactly when no entry is NOT_OWNED"
            : "DEV_ID_OWNED "
                + (ownedFlag ? "set" : "clear")
                + " with "
                + info.notOwned()
                + " NOT_OWNED");
    if (!destructive) {
      r.skip("hot-reset.cdev-refusals", RESET, ConformanceKit.DESTRUCTIVE);
      return true;
    }
    // a cdev caller must pass the empty array: one fd is refused before anything else
    r.check(
        "hot-reset.cdev.fds-refused",
        RESET + " (zero-length rule)",
        "EINVAL",
        Outcome.of(hotReset(d.sys, d.fd, new int[] {d.iommufd})));
    return true;
  }

  /**
   * The group form: the device's group in a type1 container, the device fd from the group, INFO
   * with group ids, and the group-fd rules. Runs with no cdev of the device bound (the two paths
   * exclude each other).
   */
  static void group(Syscalls sys, Target t, int count, boolean destructive, Recorder r) {
    if (t.groupPath() == null) {
      r.skip("hot-reset.group", INFO, "no group path given for the device");
      return;
    }
    int group = sys.open(t.groupPath(), OpenFlags.O_RDWR);
    int container = sys.open("/dev/vfio/vfio", OpenFlags.O_RDWR);
    int dev = -1;
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
      int r1 =
          sys.ioctl(
              group,
              VfioIoctls.VFIO_GROUP_SET_CONTAINER,
              MemorySegment.ofArray(new int[] {container}));
      int r2 = r1 < 0 ? r1 : sys.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
      if (r2 < 0) {
        throw new KitException("putting the group in a type1 container failed: " + Outcome.of(r2));
      }
      byte[] name = (t.device() + "\0").getBytes(StandardCharsets.US_ASCII);
      dev = sys.ioctl(group, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, MemorySegment.ofArray(name));
      if (dev < 0) {
        throw new KitException("VFIO_GROUP_GET_DEVICE_FD failed: " + Outcome.of(dev));
      }
      long groupId = Long.parseLong(t.groupPath().substring(t.groupPath().lastIndexOf('/') + 1));
      Info info = info(sys, dev, t.device(), count);
      r.check(
          "hot-reset.info.group-form",
          INFO + " (a group caller gets group ids and no flags)",
          "ok, flags 0, own entry group " + groupId,
          Outcome.of(info.ret())
              + ", flags "
              + info.flags()
              + ", own entry "
              + (info.ownId() == null ? "missing" : "group " + info.ownId()));
      if (!destructive) {
        r.skip("hot-reset.group-refusals", RESET, ConformanceKit.DESTRUCTIVE);
        return;
      }
      r.check(
          "hot-reset.group.empty-array",
          RESET + " (zero-length rule)",
          "EINVAL",
          Outcome.of(hotReset(sys, dev, new int[0])));
      r.check(
          "hot-reset.group.closed-fd",
          RESET,
          "EBADF",
          Outcome.of(hotReset(sys, dev, new int[] {CLOSED_FD})));
      r.check(
          "hot-reset.group.container-fd",
          RESET + " (only group files prove ownership)",
          "EINVAL",
          Outcome.of(hotReset(sys, dev, new int[] {container})));
      int[] tooMany = new int[count + 1];
      java.util.Arrays.fill(tooMany, group);
      r.check(
          "hot-reset.group.more-fds-than-scope",
          RESET,
          "EINVAL",
          Outcome.of(hotReset(sys, dev, tooMany)));
    } catch (KitException e) {
      r.broken("hot-reset.group", INFO, "the device opens through its group", e);
    } finally {
      for (int fd : new int[] {dev, group, container}) {
        if (fd >= 0) {
          sys.close(fd);
        }
      }
    }
  }

  /** The scope's size, from an INFO of 12 bytes (ENOSPC with the count). */
  static int scopeCount(RawDevice d) {
    MemorySegment h = MemorySegment.ofArray(new byte[(int) VfioPciHotResetInfo.MINSZ]);
    VfioPciHotResetInfo.ARGSZ.set(h, (int) VfioPciHotResetInfo.MINSZ);
    d.sys.ioctl(d.fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h);
    return VfioPciHotResetInfo.COUNT.get(h);
  }

  private static int infoHeader(Syscalls sys, int fd, int argsz) {
    MemorySegment h = MemorySegment.ofArray(new byte[(int) VfioPciHotResetInfo.MINSZ]);
    VfioPciHotResetInfo.ARGSZ.set(h, argsz);
    return sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h);
  }

  private static Info info(Syscalls sys, int fd, String bdf, int count) {
    long size = VfioPciHotResetInfo.MINSZ + (long) count * VfioPciDependentDevice.SIZEOF;
    MemorySegment arg = MemorySegment.ofArray(new byte[(int) size]);
    VfioPciHotResetInfo.ARGSZ.set(arg, (int) size);
    int ret = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, arg);
    if (ret < 0) {
      return new Info(ret, 0, 0, null, 0);
    }
    int n = VfioPciHotResetInfo.COUNT.get(arg);
    Long own = null;
    int notOwned = 0;
    for (int i = 0; i < n; i++) {
      MemorySegment e =
          arg.asSlice(
              VfioPciHotResetInfo.DEVICES_OFFSET + i * VfioPciDependentDevice.SIZEOF,
              VfioPciDependentDevice.SIZEOF);
      String entry =
          String.format(
              "%04x:%02x:%02x.%x",
              VfioPciDependentDevice.SEGMENT.get(e),
              VfioPciDependentDevice.BUS.get(e),
              VfioPciDependentDevice.DEVFN.get(e) >> 3,
              VfioPciDependentDevice.DEVFN.get(e) & 7);
      if (VfioPciDependentDevice.DEVID.get(e) == VFIO_PCI_DEVID_NOT_OWNED) {
        notOwned++;
      }
      if (entry.equalsIgnoreCase(bdf)) {
        own = VfioPciDependentDevice.DEVID.getUnsigned(e);
      }
    }
    return new Info(ret, n, VfioPciHotResetInfo.FLAGS.get(arg), own, notOwned);
  }

  private static int hotReset(Syscalls sys, int fd, int[] groupFds) {
    MemorySegment arg =
        MemorySegment.ofArray(new byte[(int) VfioPciHotReset.MINSZ + 4 * groupFds.length]);
    VfioPciHotReset.ARGSZ.set(arg, (int) arg.byteSize());
    VfioPciHotReset.COUNT.set(arg, groupFds.length);
    for (int i = 0; i < groupFds.length; i++) {
      arg.set(
          ValueLayout.JAVA_INT_UNALIGNED, VfioPciHotReset.GROUP_FDS_OFFSET + 4L * i, groupFds[i]);
    }
    return sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
  }
}
