package io.jvfio.client;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * An open VFIO device: through its cdev (bound to an iommufd) or through its group. Migration is
 * reached with {@link #migration()}.
 */
public final class VfioDevice implements AutoCloseable {
  private final Syscalls sys;
  private final int fd;
  private final String name;
  private final boolean cdev;
  private int devid = -1;
  private Migration migration;

  VfioDevice(Syscalls sys, int fd, String name, boolean cdev) {
    this.sys = sys;
    this.fd = fd;
    this.name = name;
    this.cdev = cdev;
  }

  /** Opens {@code cdevPath} and binds it to {@code iommufd} (VFIO_DEVICE_BIND_IOMMUFD). */
  public static VfioDevice openCdev(Syscalls sys, String cdevPath, Iommufd iommufd) {
    int fd = Calls.check(sys.open(cdevPath, OpenFlags.O_RDWR), "open(" + cdevPath + ")");
    VfioDevice d = new VfioDevice(sys, fd, cdevPath, true);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioDeviceBindIommufd.SIZEOF);
      VfioDeviceBindIommufd.ARGSZ.set(s, (int) VfioDeviceBindIommufd.SIZEOF);
      VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd.fd());
      int r = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s);
      if (r < 0) {
        sys.close(fd);
        Calls.check(r, "VFIO_DEVICE_BIND_IOMMUFD(" + cdevPath + ")");
      }
      d.devid = VfioDeviceBindIommufd.OUT_DEVID.get(s);
    }
    return d;
  }

  public Syscalls sys() {
    return sys;
  }

  public int fd() {
    return fd;
  }

  public String name() {
    return name;
  }

  /** The iommufd devid from BIND; -1 for a group-opened device. */
  public int devid() {
    return devid;
  }

  public boolean isCdev() {
    return cdev;
  }

  /** VFIO_DEVICE_ATTACH_IOMMUFD_PT; returns the HWPT id the kernel chose. */
  public int attach(int ioasOrHwpt) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioDeviceAttachIommufdPt.SIZEOF);
      VfioDeviceAttachIommufdPt.ARGSZ.set(s, (int) VfioDeviceAttachIommufdPt.MINSZ);
      VfioDeviceAttachIommufdPt.PT_ID.set(s, ioasOrHwpt);
      Calls.check(
          sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s),
          "VFIO_DEVICE_ATTACH_IOMMUFD_PT(" + name + ")");
      return VfioDeviceAttachIommufdPt.PT_ID.get(s);
    }
  }

  public void detach() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioDeviceDetachIommufdPt.SIZEOF);
      VfioDeviceDetachIommufdPt.ARGSZ.set(s, (int) VfioDeviceDetachIommufdPt.MINSZ);
      Calls.check(
          sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s),
          "VFIO_DEVICE_DETACH_IOMMUFD_PT(" + name + ")");
    }
  }

  /** VFIO_DEVICE_GET_INFO. */
  public record Info(int flags, int numRegions, int numIrqs) {
    public boolean resettable() {
      return (flags & VfioConstants.VFIO_DEVICE_FLAGS_RESET) != 0;
    }
  }

  public Info info() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioDeviceInfo.SIZEOF);
      VfioDeviceInfo.ARGSZ.set(s, (int) VfioDeviceInfo.SIZEOF);
      Calls.check(
          sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s), "VFIO_DEVICE_GET_INFO(" + name + ")");
      return new Info(
          VfioDeviceInfo.FLAGS.get(s),
          VfioDeviceInfo.NUM_REGIONS.get(s),
          VfioDeviceInfo.NUM_IRQS.get(s));
    }
  }

  /** VFIO_DEVICE_RESET (also the way out of the migration ERROR state). */
  public void reset() {
    Calls.check(sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L), "VFIO_DEVICE_RESET(" + name + ")");
    if (migration != null) {
      migration.afterReset();
    }
  }

  /** The device's migration, or null when the device cannot migrate (ENOTTY). */
  public Migration migration() {
    if (migration == null) {
      migration = Migration.probe(this);
    }
    return migration;
  }

  /** One entry of VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: a devid or group id, and the function. */
  public record Dependent(long id, int segment, int bus, int devfn) {}

  /** The hot-reset scope and flags. */
  public record HotResetInfo(int flags, List<Dependent> devices) {
    /** For a cdev user: every affected device is owned, so {@link #hotReset()} may work. */
    public boolean allOwned() {
      return (flags & VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) != 0;
    }
  }

  public HotResetInfo hotResetInfo() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment head = a.allocate(VfioPciHotResetInfo.MINSZ);
      VfioPciHotResetInfo.ARGSZ.set(head, (int) VfioPciHotResetInfo.MINSZ);
      int r = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, head);
      if (r != -io.jvfio.uapi.Errno.ENOSPC.number()) {
        Calls.check(r, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO(" + name + ")");
      }
      long count = VfioPciHotResetInfo.COUNT.getUnsigned(head);
      long size = VfioPciHotResetInfo.MINSZ + count * VfioPciDependentDevice.SIZEOF;
      MemorySegment s = a.allocate(size);
      VfioPciHotResetInfo.ARGSZ.set(s, (int) size);
      Calls.check(
          sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, s),
          "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO(" + name + ")");
      List<Dependent> list = new ArrayList<>();
      for (long i = 0; i < VfioPciHotResetInfo.COUNT.getUnsigned(s); i++) {
        MemorySegment e =
            s.asSlice(VfioPciHotResetInfo.DEVICES_OFFSET + i * VfioPciDependentDevice.SIZEOF);
        list.add(
            new Dependent(
                VfioPciDependentDevice.DEVID.getUnsigned(e),
                VfioPciDependentDevice.SEGMENT.get(e),
                VfioPciDependentDevice.BUS.get(e),
                VfioPciDependentDevice.DEVFN.get(e)));
      }
      return new HotResetInfo(VfioPciHotResetInfo.FLAGS.get(s), List.copyOf(list));
    }
  }

  /** VFIO_DEVICE_PCI_HOT_RESET proven by the bound iommufd (cdev) or by these groups. */
  public void hotReset(VfioGroup... groups) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioPciHotReset.MINSZ + 4L * groups.length);
      VfioPciHotReset.ARGSZ.set(s, (int) s.byteSize());
      VfioPciHotReset.COUNT.set(s, groups.length);
      for (int i = 0; i < groups.length; i++) {
        s.set(
            ValueLayout.JAVA_INT_UNALIGNED,
            VfioPciHotReset.GROUP_FDS_OFFSET + 4L * i,
            groups[i].fd());
      }
      Calls.check(
          sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, s),
          "VFIO_DEVICE_PCI_HOT_RESET(" + name + ")");
      if (migration != null) {
        migration.afterReset();
      }
    }
  }

  /** Closes the device (and its migration data fd, if one is open). */
  @Override
  public void close() {
    if (migration != null) {
      migration.closeDataFd();
    }
    Calls.check(sys.close(fd), "close(" + name + ")");
  }
}
