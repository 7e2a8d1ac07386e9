package io.jvfio.client;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;

/** A legacy VFIO container ({@code /dev/vfio/vfio}). */
public final class VfioContainer implements AutoCloseable {
  private final Syscalls sys;
  private final int fd;

  private VfioContainer(Syscalls sys, int fd) {
    this.sys = sys;
    this.fd = fd;
  }

  public static VfioContainer open(Syscalls sys) {
    return new VfioContainer(
        sys, Calls.check(sys.open("/dev/vfio/vfio", OpenFlags.O_RDWR), "open(/dev/vfio/vfio)"));
  }

  public int fd() {
    return fd;
  }

  /** VFIO_SET_IOMMU with type1 v2 (after a group has joined). */
  public void setIommuType1v2() {
    Calls.check(
        sys.ioctl(fd, VfioIoctls.VFIO_SET_IOMMU, VfioConstants.VFIO_TYPE1v2_IOMMU),
        "VFIO_SET_IOMMU(TYPE1v2)");
  }

  /**
   * VFIO_SET_IOMMU with noiommu (after a {@code /dev/vfio/noiommu-N} group has joined): such a
   * group accepts no other IOMMU type.
   */
  public void setNoIommu() {
    Calls.check(
        sys.ioctl(fd, VfioIoctls.VFIO_SET_IOMMU, VfioConstants.VFIO_NOIOMMU_IOMMU),
        "VFIO_SET_IOMMU(NOIOMMU)");
  }

  @Override
  public void close() {
    Calls.check(sys.close(fd), "close(/dev/vfio/vfio)");
  }
}
