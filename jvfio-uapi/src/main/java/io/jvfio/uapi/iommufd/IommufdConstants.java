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

  private IommufdConstants() {}
}
