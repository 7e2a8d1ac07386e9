package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.IommuGroup;

/**
 * A device bound to an iommufd context; its id is the devid that BIND reports. The VFIO driver
 * holds a reference until unbind, so IOMMU_DESTROY on it is EBUSY.
 */
public final class IommufdDevice extends IommufdObject {
  final IommufdContext ictx;
  final IommuGroup group;
  final Object owner;
  volatile Hwpt hwpt;

  IommufdDevice(IommufdContext ictx, IommuGroup group, Object owner) {
    this.ictx = ictx;
    this.group = group;
    this.owner = owner;
  }

  public IommufdContext context() {
    return ictx;
  }

  public IommuGroup group() {
    return group;
  }

  /** The VFIO device this object stands for. */
  public Object owner() {
    return owner;
  }

  /** The HWPT the device is attached to, or null. */
  public Hwpt hwpt() {
    return hwpt;
  }

  @Override
  public String kind() {
    return "device";
  }
}
