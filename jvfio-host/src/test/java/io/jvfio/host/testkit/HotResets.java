package io.jvfio.host.testkit;

import static io.jvfio.host.testkit.Kit.S32;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET built as a VMM builds them, in
 * heap buffers bounded to the size a test chooses.
 */
public final class HotResets {
  public static final int DEV_ID = VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
  public static final int DEV_ID_OWNED = VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
  public static final int BOTH = DEV_ID | DEV_ID_OWNED;
  public static final int OWNED = VfioConstants.VFIO_PCI_DEVID_OWNED;
  public static final int NOT_OWNED = VfioConstants.VFIO_PCI_DEVID_NOT_OWNED;
  public static final long HDR = VfioPciHotResetInfo.MINSZ;
  public static final long ENTRY = VfioPciDependentDevice.SIZEOF;

  public static final int EINVAL = Errno.EINVAL.negative();
  public static final int ENODEV = Errno.ENODEV.negative();
  public static final int ENOSPC = Errno.ENOSPC.negative();
  public static final int EPERM = Errno.EPERM.negative();
  public static final int EBADF = Errno.EBADF.negative();
  public static final int EFAULT = Errno.EFAULT.negative();
  public static final int EBUSY = Errno.EBUSY.negative();

  private HotResets() {}

  // ---- INFO ----

  /** One {@code vfio_pci_dependent_device}: a group id or devid, and the BDF. */
  public record Entry(int id, int segment, int bus, int devfn) {
    public String bdf() {
      return String.format("%04x:%02x:%02x.%x", segment, bus, devfn >>> 3, devfn & 7);
    }
  }

  /** What INFO returned and what the header and the first {@code count} entries then held. */
  public record Info(int ret, long argsz, int flags, int count, List<Entry> entries) {
    public List<String> bdfs() {
      return entries.stream().map(Entry::bdf).toList();
    }

    public List<Integer> ids() {
      return entries.stream().map(Entry::id).toList();
    }
  }

  /** An INFO argument of {@code size} bytes, every byte {@code fill}, with argsz and flags set. */
  public static MemorySegment infoArg(long argsz, int flags, long size, int fill) {
    MemorySegment s = Kit.filled(size, fill);
    VfioPciHotResetInfo.ARGSZ.set(s, argsz);
    VfioPciHotResetInfo.FLAGS.set(s, flags);
    return s;
  }

  public static int infoRaw(HostProcess p, int fd, MemorySegment arg) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, arg);
  }

  /** Decodes {@code arg} after an INFO call that returned {@code ret}. */
  public static Info decode(int ret, MemorySegment arg) {
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
  public static Info info(HostProcess p, int fd) {
    long size = HDR + 16 * ENTRY;
    MemorySegment arg = infoArg(size, 0x7fff_fff0, size, 0xa5);
    return decode(infoRaw(p, fd, arg), arg);
  }

  /** INFO, asserting success. */
  public static Info infoOk(HostProcess p, int fd) {
    Info i = info(p, fd);
    assertThat(i.ret()).as("GET_PCI_HOT_RESET_INFO").isZero();
    return i;
  }

  // ---- HOT_RESET ----

  /** A HOT_RESET argument of {@code size} bytes with the header given and {@code fds} after it. */
  public static MemorySegment resetArg(long argsz, int flags, long count, long size, int... fds) {
    MemorySegment s = Kit.buf(Math.max(size, VfioPciHotReset.GROUP_FDS_OFFSET + 4L * fds.length));
    VfioPciHotReset.ARGSZ.set(s, argsz);
    VfioPciHotReset.FLAGS.set(s, flags);
    VfioPciHotReset.COUNT.set(s, count);
    for (int i = 0; i < fds.length; i++) {
      s.set(S32, VfioPciHotReset.GROUP_FDS_OFFSET + 4L * i, fds[i]);
    }
    return s.asSlice(0, size);
  }

  public static int hotResetRaw(HostProcess p, int fd, MemorySegment arg) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
  }

  /** HOT_RESET as a VMM issues it: argsz = 12 + 4n, count = n, the fds (none for cdev callers). */
  public static int hotReset(HostProcess p, int fd, int... groupFds) {
    long size = VfioPciHotReset.MINSZ + 4L * groupFds.length;
    return hotResetRaw(p, fd, resetArg(size, 0, groupFds.length, size, groupFds));
  }
}
