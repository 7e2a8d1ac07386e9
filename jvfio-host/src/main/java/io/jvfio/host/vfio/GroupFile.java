package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;

/** An open {@code /dev/vfio/N}. */
public final class GroupFile extends OpenFile {
  /** strndup_user's limit for the device name. */
  private static final int PAGE_SIZE = 4096;

  private final VfioGroup group;

  GroupFile(VfioGroup group) {
    super(true, true);
    this.group = group;
  }

  public VfioGroup group() {
    return group;
  }

  @Override
  public String describe() {
    return group.path();
  }

  @Override
  public int ioctl(long request, UserArg arg) {
    if (request == VfioIoctls.VFIO_GROUP_GET_STATUS) {
      return status(arg);
    }
    if (request == VfioIoctls.VFIO_GROUP_SET_CONTAINER) {
      return setContainer(arg);
    }
    if (request == VfioIoctls.VFIO_GROUP_UNSET_CONTAINER) {
      return unsetContainer();
    }
    if (request == VfioIoctls.VFIO_GROUP_GET_DEVICE_FD) {
      return getDeviceFd(arg);
    }
    throw new KernelError(Errno.ENOTTY);
  }

  private int status(UserArg arg) {
    MemorySegment k = arg.copyIn(VfioGroupStatus.MINSZ);
    KernelError.check(VfioGroupStatus.ARGSZ.getUnsigned(k) >= VfioGroupStatus.MINSZ, Errno.EINVAL);
    int flags = 0;
    if (group.container != null || group.iommufd != null) {
      flags = VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE;
    } else if (!group.iommuGroup().claimed()) {
      flags = VFIO_GROUP_FLAGS_VIABLE;
    }
    VfioGroupStatus.FLAGS.set(k, flags);
    arg.copyOut(k, VfioGroupStatus.MINSZ);
    return 0;
  }

  private int setContainer(UserArg arg) {
    int fd = arg.readU32(0);
    OpenFile f = arg.fds().lookup(fd);
    KernelError.check(group.container == null && group.iommufd == null, Errno.EINVAL);
    if (f instanceof ContainerFile c) {
      c.attach(group);
      group.container = c;
      group.containerUsers = 1;
      return 0;
    }
    if (f instanceof IommufdContext ictx) {
      ictx.compatIoasForGroup();
      group.iommufd = ictx;
      ictx.get();
      return 0;
    }
    throw new KernelError(Errno.EBADFD, "fd " + fd + " is neither a container nor an iommufd");
  }

  private int unsetContainer() {
    if (group.container != null) {
      KernelError.check(group.containerUsers == 1, Errno.EBUSY);
      group.container.detach(group);
      group.container = null;
      group.containerUsers = 0;
      return 0;
    }
    if (group.iommufd != null) {
      group.iommufd.put();
      group.iommufd = null;
      return 0;
    }
    throw new KernelError(Errno.EINVAL, "no container set");
  }

  private int getDeviceFd(UserArg arg) {
    String name = arg.readString(PAGE_SIZE);
    VfioDevice device =
        group.devices.stream()
            .filter(d -> d.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new KernelError(Errno.ENODEV, "no device " + name + " in group"));
    arg.fds().reserve(); // get_unused_fd_flags comes before the device is opened
    KernelError.check(group.container != null || group.iommufd != null, Errno.EINVAL);
    device.openForGroup();
    DeviceFile df = new DeviceFile(device, group);
    return arg.fds().install(df);
  }

  @Override
  protected void release() {
    group.released();
  }
}
