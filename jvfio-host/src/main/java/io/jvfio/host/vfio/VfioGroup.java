package io.jvfio.host.vfio;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;

/**
 * The legacy vfio group of an IOMMU group ({@code /dev/vfio/N}): one opener at a time, attached to
 * a VFIO container or to an iommufd, and mutually exclusive with cdev-bound devices of the group.
 */
public final class VfioGroup {
  private final IommuGroup iommuGroup;
  final List<VfioDevice> devices = new ArrayList<>(2); // most groups hold one device
  GroupFile openedFile;
  volatile ContainerFile container;
  IommufdContext iommufd;
  int containerUsers;
  int cdevDeviceOpenCount;

  VfioGroup(IommuGroup iommuGroup) {
    this.iommuGroup = iommuGroup;
  }

  public IommuGroup iommuGroup() {
    return iommuGroup;
  }

  public int id() {
    return iommuGroup.id();
  }

  public String path() {
    return "/dev/vfio/" + iommuGroup.id();
  }

  public List<VfioDevice> devices() {
    return List.copyOf(devices);
  }

  public boolean isOpen() {
    return openedFile != null;
  }

  /** open() of the group node: one opener at a time, and none while a member is cdev-bound. */
  public GroupFile open() {
    KernelError.check(cdevDeviceOpenCount == 0, Errno.EBUSY);
    KernelError.check(openedFile == null, Errno.EBUSY);
    openedFile = new GroupFile(this);
    return openedFile;
  }

  /** {@code vfio_device_block_group}: a cdev BIND of a member. */
  void blockForCdev() {
    KernelError.check(openedFile == null, Errno.EBUSY);
    cdevDeviceOpenCount++;
  }

  void unblockForCdev() {
    cdevDeviceOpenCount--;
  }

  /** {@code vfio_group_use_container}: a member's first open through the group. */
  void useContainer() {
    KernelError.check(container != null && container.iommu() != null, Errno.EINVAL);
    containerUsers++;
    openedFile.get();
  }

  void unuseContainer() {
    containerUsers--;
    openedFile.put();
  }

  /** Release of the group file: detach from the container or iommufd. */
  void released() {
    if (container != null) {
      container.detach(this);
      container = null;
      containerUsers = 0;
    }
    if (iommufd != null) {
      iommufd.put();
      iommufd = null;
    }
    openedFile = null;
  }

  @Override
  public String toString() {
    return path();
  }
}
