package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.Ioctl;

/** iommufd ioctl request numbers, named as in {@code include/uapi/linux/iommufd.h}. */
public final class IommufdIoctls {
  public static final int IOMMUFD_TYPE = ';';
  public static final int IOMMUFD_CMD_BASE = 0x80;

  public static final int IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE;
  public static final int IOMMUFD_CMD_IOAS_ALLOC = 0x81;
  public static final int IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82;
  public static final int IOMMUFD_CMD_IOAS_COPY = 0x83;
  public static final int IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84;
  public static final int IOMMUFD_CMD_IOAS_MAP = 0x85;
  public static final int IOMMUFD_CMD_IOAS_UNMAP = 0x86;
  public static final int IOMMUFD_CMD_OPTION = 0x87;
  public static final int IOMMUFD_CMD_VFIO_IOAS = 0x88;
  public static final int IOMMUFD_CMD_HWPT_ALLOC = 0x89;
  public static final int IOMMUFD_CMD_GET_HW_INFO = 0x8a;
  public static final int IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b;
  public static final int IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c;
  public static final int IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d;
  public static final int IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e;
  public static final int IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f;
  public static final int IOMMUFD_CMD_VIOMMU_ALLOC = 0x90;
  public static final int IOMMUFD_CMD_VDEVICE_ALLOC = 0x91;
  public static final int IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92;
  public static final int IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93;
  public static final int IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94;

  public static final long IOMMU_DESTROY = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY);
  public static final long IOMMU_IOAS_ALLOC = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC);
  public static final long IOMMU_IOAS_ALLOW_IOVAS =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS);
  public static final long IOMMU_IOAS_COPY = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY);
  public static final long IOMMU_IOAS_IOVA_RANGES =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES);
  public static final long IOMMU_IOAS_MAP = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP);
  public static final long IOMMU_IOAS_UNMAP = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP);
  public static final long IOMMU_OPTION = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION);
  public static final long IOMMU_VFIO_IOAS = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS);
  public static final long IOMMU_HWPT_ALLOC = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC);
  public static final long IOMMU_GET_HW_INFO = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO);
  public static final long IOMMU_HWPT_SET_DIRTY_TRACKING =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING);
  public static final long IOMMU_HWPT_GET_DIRTY_BITMAP =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP);
  public static final long IOMMU_HWPT_INVALIDATE =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE);
  public static final long IOMMU_FAULT_QUEUE_ALLOC =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC);
  public static final long IOMMU_IOAS_MAP_FILE = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE);
  public static final long IOMMU_VIOMMU_ALLOC = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC);
  public static final long IOMMU_VDEVICE_ALLOC = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC);
  public static final long IOMMU_IOAS_CHANGE_PROCESS =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS);
  public static final long IOMMU_VEVENTQ_ALLOC = Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC);
  public static final long IOMMU_HW_QUEUE_ALLOC =
      Ioctl.io(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC);

  private IommufdIoctls() {}
}
