package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;

/**
 * An open VFIO device: a cdev fd ({@code /dev/vfio/devices/vfioN}, usable after BIND) or a fd from
 * VFIO_GROUP_GET_DEVICE_FD (usable at once). Linux's {@code vfio_device_file}.
 */
public final class DeviceFile extends OpenFile {
  private final VfioDevice device;
  private final VfioGroup group;
  private boolean accessGranted;
  private IommufdContext iommufd;

  /** A cdev open: always succeeds; BIND grants access. */
  public DeviceFile(VfioDevice device) {
    this(device, null);
  }

  DeviceFile(VfioDevice device, VfioGroup group) {
    super(true, true);
    this.device = device;
    this.group = group;
    this.accessGranted = group != null;
  }

  public VfioDevice device() {
    return device;
  }

  public boolean accessGranted() {
    return accessGranted;
  }

  /** True for a fd from the group path. */
  public boolean fromGroup() {
    return group != null;
  }

  @Override
  public String describe() {
    return group == null ? device.cdevPath() : "anon_inode:[vfio-device] " + device.name();
  }

  @Override
  public int ioctl(long request, UserArg arg) {
    if (request == VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD) {
      return bind(arg);
    }
    KernelError.check(accessGranted, Errno.EINVAL);
    if (group == null && request == VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
      return attach(arg);
    }
    if (group == null && request == VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT) {
      return detach(arg);
    }
    if (request == VfioIoctls.VFIO_DEVICE_FEATURE) {
      return DeviceFeatureIoctl.ioctl(device, arg);
    }
    if (device.isMdev()) {
      return mdevIoctl(request, arg);
    }
    if (request == VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO) {
      return HotReset.info(device, arg);
    }
    if (request == VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET) {
      return HotReset.reset(device, arg);
    }
    if (request == VfioIoctls.VFIO_DEVICE_GET_INFO) {
      return getInfo(arg);
    }
    if (request == VfioIoctls.VFIO_DEVICE_RESET) {
      device.reset();
      return 0;
    }
    throw new KernelError(Errno.ENOTTY);
  }

  /**
   * What an mdev's parent driver answers (mtty's ioctl handler): GET_INFO with its own flags, and
   * RESET; the PCI hot-reset ioctls are vfio-pci's, unknown here.
   */
  private int mdevIoctl(long request, UserArg arg) {
    if (request == VfioIoctls.VFIO_DEVICE_GET_INFO) {
      return getInfo(arg);
    }
    if (request == VfioIoctls.VFIO_DEVICE_RESET) {
      device.reset();
      return 0;
    }
    throw new KernelError(Errno.ENOTTY);
  }

  @Override
  public long read(MemorySegment buf) {
    KernelError.check(accessGranted, Errno.EINVAL);
    // offset 0 is BAR0; the emulated functions have no BARs, so vfio-pci finds no region
    throw new KernelError(Errno.EINVAL, device.name() + " has no BAR0 region");
  }

  @Override
  public long write(MemorySegment buf) {
    KernelError.check(accessGranted, Errno.EINVAL);
    throw new KernelError(Errno.EINVAL, device.name() + " has no BAR0 region");
  }

  private int bind(UserArg arg) {
    long argsz = Integer.toUnsignedLong(arg.readU32(0));
    KernelError.check(argsz >= VfioDeviceBindIommufd.MINSZ, Errno.EINVAL);
    MemorySegment k = arg.copyStructIn(VfioDeviceBindIommufd.SIZEOF, argsz);
    int fd = VfioDeviceBindIommufd.IOMMUFD.get(k);
    int flags = VfioDeviceBindIommufd.FLAGS.get(k);
    KernelError.check(fd >= 0 && (flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN) == 0, Errno.EINVAL);
    KernelError.check(group == null, Errno.EINVAL);
    VfioGroup g = device.group;
    g.blockForCdev();
    try {
      KernelError.check(!accessGranted, Errno.EINVAL);
      // vfio-pci on a function that is neither PF nor VF: a token is never expected
      KernelError.check((flags & VFIO_DEVICE_BIND_FLAG_TOKEN) == 0, Errno.EINVAL);
      OpenFile f = arg.fds().lookup(fd);
      if (!(f instanceof IommufdContext ictx)) {
        throw new KernelError(Errno.EBADFD, "fd " + fd + " is not an iommufd");
      }
      device.openForCdev(ictx);
      try {
        arg.writeU32(VfioDeviceBindIommufd.OUT_DEVID.offset(), device.boundId());
      } catch (KernelError e) {
        device.close();
        throw e;
      }
      iommufd = ictx;
      ictx.get();
      device.cdevOpened = true;
      accessGranted = true;
      return 0;
    } catch (RuntimeException e) {
      g.unblockForCdev();
      throw e;
    }
  }

  private int attach(UserArg arg) {
    MemorySegment k = arg.copyIn(VfioDeviceAttachIommufdPt.MINSZ);
    KernelError.check(
        VfioDeviceAttachIommufdPt.ARGSZ.getUnsigned(k) >= VfioDeviceAttachIommufdPt.MINSZ,
        Errno.EINVAL);
    int flags = VfioDeviceAttachIommufdPt.FLAGS.get(k);
    KernelError.check((flags & ~VFIO_DEVICE_ATTACH_PASID) == 0, Errno.EINVAL);
    // vfio-pci physical devices have no PASID attach op
    KernelError.check(flags == 0, Errno.EOPNOTSUPP);
    long ptId = VfioDeviceAttachIommufdPt.PT_ID.getUnsigned(k);
    if (device.isMdev()) {
      // vfio_iommufd_emulated_attach_ioas: the access follows the IOAS; pt_id is left as given
      iommufd.attachAccess(device.access, ptId);
      return 0;
    }
    int hwpt = iommufd.attach(device.iommufd, ptId);
    try {
      arg.writeU32(VfioDeviceAttachIommufdPt.PT_ID.offset(), hwpt);
    } catch (KernelError e) {
      iommufd.detach(device.iommufd);
      throw e;
    }
    return 0;
  }

  private int detach(UserArg arg) {
    MemorySegment k = arg.copyIn(VfioDeviceDetachIommufdPt.MINSZ);
    KernelError.check(
        VfioDeviceDetachIommufdPt.ARGSZ.getUnsigned(k) >= VfioDeviceDetachIommufdPt.MINSZ,
        Errno.EINVAL);
    int flags = VfioDeviceDetachIommufdPt.FLAGS.get(k);
    KernelError.check((flags & ~VFIO_DEVICE_DETACH_PASID) == 0, Errno.EINVAL);
    KernelError.check(flags == 0, Errno.EOPNOTSUPP);
    if (device.isMdev()) {
      iommufd.detachAccess(device.access);
      return 0;
    }
    iommufd.detach(device.iommufd);
    return 0;
  }

  private int getInfo(UserArg arg) {
    long minsz = VfioDeviceInfo.MINSZ;
    MemorySegment k = MemorySegment.ofArray(new byte[(int) VfioDeviceInfo.SIZEOF]);
    MemorySegment.copy(arg.copyIn(minsz), 0, k, 0, minsz);
    long argsz = VfioDeviceInfo.ARGSZ.getUnsigned(k);
    KernelError.check(argsz >= minsz, Errno.EINVAL);
    int flags;
    if (device.isMdev()) {
      flags = device.mdev().type().infoFlags(); // the parent's driver decides
    } else {
      flags = VFIO_DEVICE_FLAGS_PCI;
      if (device.resetWorks()) {
        flags |= VFIO_DEVICE_FLAGS_RESET;
      }
    }
    VfioDeviceInfo.FLAGS.set(k, flags);
    VfioDeviceInfo.NUM_REGIONS.set(k, VFIO_PCI_NUM_REGIONS);
    VfioDeviceInfo.NUM_IRQS.set(k, VFIO_PCI_NUM_IRQS);
    arg.copyOut(k, Math.min(argsz, VfioDeviceInfo.SIZEOF));
    return 0;
  }

  @Override
  protected void release() {
    if (group != null) {
      device.close();
      return;
    }
    if (accessGranted) {
      device.close();
      device.cdevOpened = false;
      iommufd.put();
      iommufd = null;
      accessGranted = false;
      device.group.unblockForCdev();
    }
  }
}
