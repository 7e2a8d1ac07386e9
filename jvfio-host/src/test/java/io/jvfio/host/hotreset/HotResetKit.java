package io.jvfio.host.hotreset;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdTestKit;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte-level helpers for the hot-reset tests: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and
 * VFIO_DEVICE_PCI_HOT_RESET built as a VMM builds them, and the ways a test process gets a device
 * fd (cdev + BIND, group + legacy container, group + iommufd). Every call goes through {@link
 * HostProcess} syscalls with heap buffers bounded to the size a test chooses.
 */
final class HotResetKit {
  static final int DEV_ID = VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
  static final int DEV_ID_OWNED = VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
  static final int BOTH = DEV_ID | DEV_ID_OWNED;
  static final int OWNED = VfioConstants.VFIO_PCI_DEVID_OWNED;
  static final int NOT_OWNED = VfioConstants.VFIO_PCI_DEVID_NOT_OWNED;
  static final long HDR = VfioPciHotResetInfo.MINSZ;
  static final long ENTRY = VfioPciDependentDevice.SIZEOF;

  static final int EINVAL = Errno.EINVAL.negative();
  static final int ENODEV = Errno.ENODEV.negative();
  static final int ENOSPC = Errno.ENOSPC.negative();
  static final int EPERM = Errno.EPERM.negative();
  static final int EBADF = Errno.EBADF.negative();
  static final int EFAULT = Errno.EFAULT.negative();
  static final int EBUSY = Errno.EBUSY.negative();

  static final String ROOT = DefaultHost.ROOT_BUS_DEVICE;
  static final String SLOT = DefaultHost.SLOT_DEVICE;
  static final String BUS_A = DefaultHost.BUS_DEVICE_A;
  static final String BUS_B = DefaultHost.BUS_DEVICE_B;
  static final String PAIR_A = DefaultHost.GROUP_PAIR_A;
  static final String PAIR_B = DefaultHost.GROUP_PAIR_B;
  static final String HOST_DRIVER = DefaultHost.HOST_DRIVER_DEVICE;
  static final String BRIDGE = DefaultHost.NESTED_BRIDGE;
  static final String GROUPLESS = DefaultHost.GROUPLESS_DEVICE;

  /** IOMMU groups of the default host and its variants. */
  static final int ROOT_GROUP = 1;

  static final int SLOT_GROUP = 3;
  static final int BUS_A_GROUP = 5;
  static final int BUS_B_GROUP = 6;
  static final int PAIR_GROUP = 8;
  static final int HOST_DRIVER_GROUP = 9;

  private static final ValueLayout.OfInt S32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private HotResetKit() {}

  // ---- hosts ----

  static Host defaultHost() {
    return new Host(DefaultHost.topology());
  }

  static Host hostDriverHost() {
    return new Host(DefaultHost.withHostDriver());
  }

  static Host nestedHost() {
    return new Host(DefaultHost.withNestedBridge());
  }

  /**
   * A host whose bridge 0000:00:1c.0 (bus reset works, no slot) leads to bus 01, where function
   * {@code 0000:01:0i.0} plays models[i] in IOMMU group 21 + i; {@code flr[i]} gives it a
   * function-level reset. All functions share the dev_set "bus 0000:01", in index order.
   */
  static Host busHost(boolean[] flr, DeviceModel... models) {
    StringBuilder t = new StringBuilder();
    t.append("function 0000:00:00.0 8086:29c0 driver=host:pci-host group=0\n");
    t.append("bridge 0000:00:1c.0 8086:a110 secondary=01 bus-reset=yes group=20\n");
    ModelRegistry registry = new ModelRegistry();
    for (int i = 0; i < models.length; i++) {
      DeviceModel m = models[i];
      registry.register("m" + i, () -> m);
      t.append(
          String.format(
              "function %s 1b36:0010 driver=vfio-pci:m%d group=%d flr=%s%n",
              busHostBdf(i), i, 21 + i, flr[i] ? "yes" : "no"));
    }
    return new Host(Topology.parse(t.toString()), registry);
  }

  static String busHostBdf(int i) {
    return String.format("0000:01:%02x.0", i);
  }

  static VfioDevice device(Host host, String bdf) {
    return host.device(bdf).orElseThrow();
  }

  // ---- INFO ----

  /** One {@code vfio_pci_dependent_device}: a group id or devid, and the BDF. */
  record Entry(int id, int segment, int bus, int devfn) {
    String bdf() {
      return String.format("%04x:%02x:%02x.%x", segment, bus, devfn >>> 3, devfn & 7);
    }
  }

  /** What INFO returned and what the header and the first {@code count} entries then held. */
  record Info(int ret, long argsz, int flags, int count, List<Entry> entries) {
    List<String> bdfs() {
      return entries.stream().map(Entry::bdf).toList();
    }

    List<Integer> ids() {
      return entries.stream().map(Entry::id).toList();
    }
  }

  /** An INFO argument of {@code size} bytes, every byte {@code fill}, with argsz and flags set. */
  static MemorySegment infoArg(long argsz, int flags, long size, int fill) {
    MemorySegment s = IommufdTestKit.filled(size, fill);
    VfioPciHotResetInfo.ARGSZ.set(s, argsz);
    VfioPciHotResetInfo.FLAGS.set(s, flags);
    return s;
  }

  static int infoRaw(HostProcess p, int fd, MemorySegment arg) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, arg);
  }

  /** Decodes {@code arg} after an INFO call that returned {@code ret}. */
  static Info decode(int ret, MemorySegment arg) {
    int count = VfioPciHotResetInfo.COUNT.get(arg);
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; ret == 0 && i < count; i++) {
      MemorySegment e = arg.asSlice(VfioPciHotResetInfo.DEVICES_OFFSET + i * ENTRY, ENTRY);
      entries.add(
          new Entry(
              VfioPciDependentDevice.DEVID.get(e),
              VfioPciDependentDevice.SEGMENT.get(e),
              VfioPciDependentDevice.BUS.get(e),
              VfioPciDependentDevice.DEVFN.get(e)));
    }
    return new Info(
        ret,
        VfioPciHotResetInfo.ARGSZ.getUnsigned(arg),
        VfioPciHotResetInfo.FLAGS.get(arg),
        count,
        entries);
  }

  /** INFO with room for 16 entries and garbage flags in (they must be ignored). */
  static Info info(HostProcess p, int fd) {
    long size = HDR + 16 * ENTRY;
    MemorySegment arg = infoArg(size, 0x7fff_fff0, size, 0xa5);
    return decode(infoRaw(p, fd, arg), arg);
  }

  /** INFO, asserting success. */
  static Info infoOk(HostProcess p, int fd) {
    Info i = info(p, fd);
    assertThat(i.ret()).as("GET_PCI_HOT_RESET_INFO").isZero();
    return i;
  }

  // ---- HOT_RESET ----

  /** A HOT_RESET argument of {@code size} bytes with the header given and {@code fds} after it. */
  static MemorySegment resetArg(long argsz, int flags, long count, long size, int... fds) {
    MemorySegment s =
        IommufdTestKit.buf(Math.max(size, VfioPciHotReset.GROUP_FDS_OFFSET + 4L * fds.length));
    VfioPciHotReset.ARGSZ.set(s, argsz);
    VfioPciHotReset.FLAGS.set(s, flags);
    VfioPciHotReset.COUNT.set(s, count);
    for (int i = 0; i < fds.length; i++) {
      s.set(S32, VfioPciHotReset.GROUP_FDS_OFFSET + 4L * i, fds[i]);
    }
    return s.asSlice(0, size);
  }

  static int hotResetRaw(HostProcess p, int fd, MemorySegment arg) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
  }

  /** HOT_RESET as a VMM issues it: argsz = 12 + 4n, count = n, the fds (none for cdev callers). */
  static int hotReset(HostProcess p, int fd, int... groupFds) {
    long size = VfioPciHotReset.MINSZ + 4L * groupFds.length;
    return hotResetRaw(p, fd, resetArg(size, 0, groupFds.length, size, groupFds));
  }

  // ---- device fds ----

  static int openCdev(HostProcess p, Host host, String bdf) {
    return IommufdTestKit.openOk(p, device(host, bdf).cdevPath());
  }

  /** Opens the cdev of {@code bdf} and binds it to {@code iommufd}: the device fd. */
  static int cdevBound(HostProcess p, Host host, String bdf, int iommufd) {
    int fd = openCdev(p, host, bdf);
    IommufdTestKit.bindOk(p, fd, iommufd);
    return fd;
  }

  static int openGroup(HostProcess p, int group) {
    int fd = p.open("/dev/vfio/" + group, OpenFlags.O_RDWR);
    assertThat(fd).as("open group %d", group).isGreaterThanOrEqualTo(0);
    return fd;
  }

  static MemorySegment intArg(int v) {
    MemorySegment s = IommufdTestKit.buf(4);
    s.set(S32, 0, v);
    return s;
  }

  static int setContainer(HostProcess p, int groupFd, int containerFd) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(containerFd));
  }

  static int openContainer(HostProcess p) {
    return IommufdTestKit.openOk(p, "/dev/vfio/vfio");
  }

  /** VFIO_GROUP_GET_DEVICE_FD: the device fd or -errno. */
  static int getDeviceFd(HostProcess p, int groupFd, String bdf) {
    byte[] b = bdf.getBytes(StandardCharsets.UTF_8);
    MemorySegment s = IommufdTestKit.buf(b.length + 1);
    MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, s);
  }

  /** A device opened through its group: the group fd, the container or iommufd, the device fd. */
  record GroupDevice(int group, int container, int device) {}

  /** Opens {@code group} in {@code container} (a type1v2 container set up here when new). */
  static GroupDevice legacy(HostProcess p, int group, int container, String bdf) {
    int g = openGroup(p, group);
    assertThat(setContainer(p, g, container)).as("SET_CONTAINER").isZero();
    // the first group makes the container usable; later ones join the set IOMMU
    p.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, VfioConstants.VFIO_TYPE1v2_IOMMU);
    int d = getDeviceFd(p, g, bdf);
    assertThat(d).as("GET_DEVICE_FD %s", bdf).isGreaterThanOrEqualTo(0);
    return new GroupDevice(g, container, d);
  }

  /** Opens {@code group} in a new type1v2 container and gets {@code bdf}'s device fd. */
  static GroupDevice legacy(HostProcess p, int group, String bdf) {
    return legacy(p, group, openContainer(p), bdf);
  }

  /** Opens {@code group} with {@code iommufd} as its container (compat) and gets the device. */
  static GroupDevice compat(HostProcess p, int group, int iommufd, String bdf) {
    int g = openGroup(p, group);
    assertThat(setContainer(p, g, iommufd)).as("SET_CONTAINER(iommufd)").isZero();
    int d = getDeviceFd(p, g, bdf);
    assertThat(d).as("GET_DEVICE_FD %s", bdf).isGreaterThanOrEqualTo(0);
    return new GroupDevice(g, iommufd, d);
  }

  // ---- other device ioctls ----

  /** VFIO_DEVICE_RESET: 0 or -errno. */
  static int deviceReset(HostProcess p, int fd) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L);
  }

  /** VFIO_DEVICE_GET_INFO flags, or -errno. */
  static int deviceInfoFlags(HostProcess p, int fd) {
    MemorySegment s = IommufdTestKit.buf(VfioDeviceInfo.SIZEOF);
    VfioDeviceInfo.ARGSZ.set(s, (int) VfioDeviceInfo.SIZEOF);
    int ret = p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s);
    return ret < 0 ? ret : VfioDeviceInfo.FLAGS.get(s);
  }

  /** The devid {@code bdf} has in whatever iommufd it is bound to (for expected values). */
  static int devidOf(Host host, String bdf) {
    return device(host, bdf).iommufdBinding().id();
  }

  /** The reset counts of {@code bdfs}, in order. */
  static List<Integer> resets(Host host, String... bdfs) {
    List<Integer> r = new ArrayList<>();
    for (String b : bdfs) {
      r.add(device(host, b).resets());
    }
    return r;
  }
}
