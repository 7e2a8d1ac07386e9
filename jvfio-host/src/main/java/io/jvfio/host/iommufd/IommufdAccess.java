package io.jvfio.host.iommufd;

/**
 * An in-kernel user of an IOAS's pages ({@code iommufd_access}): how a device with no IOMMU of its
 * own, such as an mdev, reaches the memory user space mapped. It claims no IOMMU group and makes no
 * HWPT; its id is the devid the device's BIND reports. The VFIO driver holds it until unbind, so
 * IOMMU_DESTROY on it is EBUSY.
 */
public final class IommufdAccess extends IommufdObject {
  final IommufdContext ictx;
  final Object owner;
  volatile Ioas ioas;

  IommufdAccess(IommufdContext ictx, Object owner) {
    this.ictx = ictx;
    this.owner = owner;
  }

  public IommufdContext context() {
    return ictx;
  }

  /** The VFIO device this access serves. */
  public Object owner() {
    return owner;
  }

  /** The IOAS it reads and writes through, or null before an attach. */
  public Ioas ioas() {
    return ioas;
  }

  @Override
  public String kind() {
    return "access";
  }
}
