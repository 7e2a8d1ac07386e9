package io.jvfio.uapi.vfio;

import io.jvfio.uapi.Ioctl;

/**
 * VFIO ioctl request numbers, named as in {@code include/uapi/linux/vfio.h}. One number can mean
 * different things on different fd types (0x3B70 is IOMMU_GET_INFO on a container and
 * GET_PCI_HOT_RESET_INFO on a device); dispatch is by the fd.
 */
public final class VfioIoctls {
  public static final int VFIO_TYPE = ';';
  public static final int VFIO_BASE = 100;

  public static final long VFIO_GET_API_VERSION = Ioctl.io(VFIO_TYPE, VFIO_BASE + 0);
  public static final long VFIO_CHECK_EXTENSION = Ioctl.io(VFIO_TYPE, VFIO_BASE + 1);
  public static final long VFIO_SET_IOMMU = Ioctl.io(VFIO_TYPE, VFIO_BASE + 2);
  public static final long VFIO_GROUP_GET_STATUS = Ioctl.io(VFIO_TYPE, VFIO_BASE + 3);
  public static final long VFIO_GROUP_SET_CONTAINER = Ioctl.io(VFIO_TYPE, VFIO_BASE + 4);
  public static final long VFIO_GROUP_UNSET_CONTAINER = Ioctl.io(VFIO_TYPE, VFIO_BASE + 5);
  public static final long VFIO_GROUP_GET_DEVICE_FD = Ioctl.io(VFIO_TYPE, VFIO_BASE + 6);
  public static final long VFIO_DEVICE_GET_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 7);
  public static final long VFIO_DEVICE_GET_REGION_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 8);
  public static final long VFIO_DEVICE_GET_IRQ_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 9);
  public static final long VFIO_DEVICE_SET_IRQS = Ioctl.io(VFIO_TYPE, VFIO_BASE + 10);
  public static final long VFIO_DEVICE_RESET = Ioctl.io(VFIO_TYPE, VFIO_BASE + 11);
  public static final long VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 12);
  public static final long VFIO_DEVICE_PCI_HOT_RESET = Ioctl.io(VFIO_TYPE, VFIO_BASE + 13);
  public static final long VFIO_DEVICE_QUERY_GFX_PLANE = Ioctl.io(VFIO_TYPE, VFIO_BASE + 14);
  public static final long VFIO_DEVICE_GET_GFX_DMABUF = Ioctl.io(VFIO_TYPE, VFIO_BASE + 15);
  public static final long VFIO_DEVICE_IOEVENTFD = Ioctl.io(VFIO_TYPE, VFIO_BASE + 16);
  public static final long VFIO_DEVICE_FEATURE = Ioctl.io(VFIO_TYPE, VFIO_BASE + 17);
  public static final long VFIO_DEVICE_BIND_IOMMUFD = Ioctl.io(VFIO_TYPE, VFIO_BASE + 18);
  public static final long VFIO_DEVICE_ATTACH_IOMMUFD_PT = Ioctl.io(VFIO_TYPE, VFIO_BASE + 19);
  public static final long VFIO_DEVICE_DETACH_IOMMUFD_PT = Ioctl.io(VFIO_TYPE, VFIO_BASE + 20);

  /** On a saving migration data fd. */
  public static final long VFIO_MIG_GET_PRECOPY_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 21);

  public static final long VFIO_IOMMU_GET_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 12);
  public static final long VFIO_IOMMU_MAP_DMA = Ioctl.io(VFIO_TYPE, VFIO_BASE + 13);
  public static final long VFIO_IOMMU_UNMAP_DMA = Ioctl.io(VFIO_TYPE, VFIO_BASE + 14);
  public static final long VFIO_IOMMU_ENABLE = Ioctl.io(VFIO_TYPE, VFIO_BASE + 15);
  public static final long VFIO_IOMMU_DISABLE = Ioctl.io(VFIO_TYPE, VFIO_BASE + 16);
  public static final long VFIO_IOMMU_DIRTY_PAGES = Ioctl.io(VFIO_TYPE, VFIO_BASE + 17);
  public static final long VFIO_IOMMU_SPAPR_TCE_GET_INFO = Ioctl.io(VFIO_TYPE, VFIO_BASE + 12);
  public static final long VFIO_EEH_PE_OP = Ioctl.io(VFIO_TYPE, VFIO_BASE + 21);
  public static final long VFIO_IOMMU_SPAPR_REGISTER_MEMORY = Ioctl.io(VFIO_TYPE, VFIO_BASE + 17);
  public static final long VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY = Ioctl.io(VFIO_TYPE, VFIO_BASE + 18);
  public static final long VFIO_IOMMU_SPAPR_TCE_CREATE = Ioctl.io(VFIO_TYPE, VFIO_BASE + 19);
  public static final long VFIO_IOMMU_SPAPR_TCE_REMOVE = Ioctl.io(VFIO_TYPE, VFIO_BASE + 20);

  private VfioIoctls() {}
}
