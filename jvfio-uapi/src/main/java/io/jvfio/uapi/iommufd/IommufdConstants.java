package io.jvfio.uapi.iommufd;

/** iommufd flags and enum values, named as in {@code include/uapi/linux/iommufd.h}. */
public final class IommufdConstants {
  public static final int IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0;
  public static final int IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
  public static final int IOMMU_IOAS_MAP_READABLE = 1 << 2;

  public static final int IOMMU_VFIO_IOAS_GET = 0;
  public static final int IOMMU_VFIO_IOAS_SET = 1;
  public static final int IOMMU_VFIO_IOAS_CLEAR = 2;

  public static final int IOMMU_OPTION_RLIMIT_MODE = 0;
  public static final int IOMMU_OPTION_HUGE_PAGES = 1;
  public static final int IOMMU_OPTION_OP_SET = 0;
  public static final int IOMMU_OPTION_OP_GET = 1;

  // enum iommufd_hwpt_alloc_flags (FAULT_ID_VALID since 6.11; PASID, 1 << 3, is newer than 6.12)
  public static final int IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0;
  public static final int IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
  public static final int IOMMU_HWPT_FAULT_ID_VALID = 1 << 2;

  // enum iommu_hwpt_data_type
  public static final int IOMMU_HWPT_DATA_NONE = 0;
  public static final int IOMMU_HWPT_DATA_VTD_S1 = 1;

  // enum iommu_hw_info_type
  public static final int IOMMU_HW_INFO_TYPE_NONE = 0;
  public static final int IOMMU_HW_INFO_TYPE_INTEL_VTD = 1;

  // enum iommu_hw_info_vtd_flags
  public static final int IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0;

  // enum iommufd_hw_capabilities
  public static final int IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0;

  // enum iommufd_hwpt_set_dirty_tracking_flags
  public static final int IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1;

  // enum iommufd_hwpt_get_dirty_bitmap_flags
  public static final int IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1;

  private IommufdConstants() {}
}
