package io.jvfio.uapi.vfio;

/** VFIO flags, enum values and capability ids, named as in {@code include/uapi/linux/vfio.h}. */
public final class VfioConstants {
  public static final int VFIO_API_VERSION = 0;

  // IOMMU types for VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU
  public static final int VFIO_TYPE1_IOMMU = 1;
  public static final int VFIO_SPAPR_TCE_IOMMU = 2;
  public static final int VFIO_TYPE1v2_IOMMU = 3;
  public static final int VFIO_DMA_CC_IOMMU = 4;
  public static final int VFIO_EEH = 5;
  public static final int VFIO_TYPE1_NESTING_IOMMU = 6;
  public static final int VFIO_SPAPR_TCE_v2_IOMMU = 7;
  public static final int VFIO_NOIOMMU_IOMMU = 8;
  public static final int VFIO_UNMAP_ALL = 9;
  public static final int VFIO_UPDATE_VADDR = 10;

  public static final int VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
  public static final int VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

  public static final int VFIO_DEVICE_FLAGS_RESET = 1 << 0;
  public static final int VFIO_DEVICE_FLAGS_PCI = 1 << 1;
  public static final int VFIO_DEVICE_FLAGS_PLATFORM = 1 << 2;
  public static final int VFIO_DEVICE_FLAGS_AMBA = 1 << 3;
  public static final int VFIO_DEVICE_FLAGS_CCW = 1 << 4;
  public static final int VFIO_DEVICE_FLAGS_AP = 1 << 5;
  public static final int VFIO_DEVICE_FLAGS_FSL_MC = 1 << 6;
  public static final int VFIO_DEVICE_FLAGS_CAPS = 1 << 7;

  public static final int VFIO_DEVICE_INFO_CAP_ZPCI_BASE = 1;
  public static final int VFIO_DEVICE_INFO_CAP_ZPCI_GROUP = 2;
  public static final int VFIO_DEVICE_INFO_CAP_ZPCI_UTIL = 3;
  public static final int VFIO_DEVICE_INFO_CAP_ZPCI_PFIP = 4;

  public static final int VFIO_REGION_INFO_FLAG_READ = 1 << 0;
  public static final int VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
  public static final int VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
  public static final int VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;
  public static final int VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
  public static final int VFIO_REGION_INFO_CAP_TYPE = 2;
  public static final int VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;
  public static final int VFIO_REGION_INFO_CAP_NVLINK2_SSATGT = 4;
  public static final int VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD = 5;

  public static final int VFIO_REGION_TYPE_PCI_VENDOR_TYPE = 1 << 31;
  public static final int VFIO_REGION_TYPE_PCI_VENDOR_MASK = 0xffff;
  public static final int VFIO_REGION_TYPE_GFX = 1;
  public static final int VFIO_REGION_TYPE_CCW = 2;
  public static final int VFIO_REGION_TYPE_MIGRATION_DEPRECATED = 3;
  public static final int VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION = 1;
  public static final int VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG = 2;
  public static final int VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG = 3;
  public static final int VFIO_REGION_SUBTYPE_NVIDIA_NVLINK2_RAM = 1;
  public static final int VFIO_REGION_SUBTYPE_IBM_NVLINK2_ATSD = 1;
  public static final int VFIO_REGION_SUBTYPE_GFX_EDID = 1;
  public static final int VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD = 1;
  public static final int VFIO_REGION_SUBTYPE_CCW_SCHIB = 2;
  public static final int VFIO_REGION_SUBTYPE_CCW_CRW = 3;
  public static final int VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED = 1;
  public static final int VFIO_DEVICE_GFX_LINK_STATE_UP = 1;
  public static final int VFIO_DEVICE_GFX_LINK_STATE_DOWN = 2;

  public static final int VFIO_IRQ_INFO_EVENTFD = 1 << 0;
  public static final int VFIO_IRQ_INFO_MASKABLE = 1 << 1;
  public static final int VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
  public static final int VFIO_IRQ_INFO_NORESIZE = 1 << 3;
  public static final int VFIO_IRQ_SET_DATA_NONE = 1 << 0;
  public static final int VFIO_IRQ_SET_DATA_BOOL = 1 << 1;
  public static final int VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
  public static final int VFIO_IRQ_SET_ACTION_MASK = 1 << 3;
  public static final int VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4;
  public static final int VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;
  public static final int VFIO_IRQ_SET_DATA_TYPE_MASK =
      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD;
  public static final int VFIO_IRQ_SET_ACTION_TYPE_MASK =
      VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER;

  // vfio-pci region and irq indices
  public static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
  public static final int VFIO_PCI_BAR1_REGION_INDEX = 1;
  public static final int VFIO_PCI_BAR2_REGION_INDEX = 2;
  public static final int VFIO_PCI_BAR3_REGION_INDEX = 3;
  public static final int VFIO_PCI_BAR4_REGION_INDEX = 4;
  public static final int VFIO_PCI_BAR5_REGION_INDEX = 5;
  public static final int VFIO_PCI_ROM_REGION_INDEX = 6;
  public static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
  public static final int VFIO_PCI_VGA_REGION_INDEX = 8;
  public static final int VFIO_PCI_NUM_REGIONS = 9;
  public static final int VFIO_PCI_INTX_IRQ_INDEX = 0;
  public static final int VFIO_PCI_MSI_IRQ_INDEX = 1;
  public static final int VFIO_PCI_MSIX_IRQ_INDEX = 2;
  public static final int VFIO_PCI_ERR_IRQ_INDEX = 3;
  public static final int VFIO_PCI_REQ_IRQ_INDEX = 4;
  public static final int VFIO_PCI_NUM_IRQS = 5;

  // hot reset
  public static final int VFIO_PCI_HOT_RESET_FLAG_DEV_ID = 1 << 0;
  public static final int VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED = 1 << 1;

  /** Entry of a cdev hot-reset INFO reply: owned, but not opened (no devid). */
  public static final int VFIO_PCI_DEVID_OWNED = 0;

  /** Entry of a cdev hot-reset INFO reply: not owned (0xFFFFFFFF in the u32). */
  public static final int VFIO_PCI_DEVID_NOT_OWNED = -1;

  // cdev
  public static final int VFIO_DEVICE_BIND_FLAG_TOKEN = 1 << 0;
  public static final int VFIO_DEVICE_ATTACH_PASID = 1 << 0;
  public static final int VFIO_DEVICE_DETACH_PASID = 1 << 0;

  public static final int VFIO_GFX_PLANE_TYPE_PROBE = 1 << 0;
  public static final int VFIO_GFX_PLANE_TYPE_DMABUF = 1 << 1;
  public static final int VFIO_GFX_PLANE_TYPE_REGION = 1 << 2;
  public static final int VFIO_DEVICE_IOEVENTFD_8 = 1 << 0;
  public static final int VFIO_DEVICE_IOEVENTFD_16 = 1 << 1;
  public static final int VFIO_DEVICE_IOEVENTFD_32 = 1 << 2;
  public static final int VFIO_DEVICE_IOEVENTFD_64 = 1 << 3;
  public static final int VFIO_DEVICE_IOEVENTFD_SIZE_MASK = 0xf;

  // VFIO_DEVICE_FEATURE
  public static final int VFIO_DEVICE_FEATURE_MASK = 0xffff;
  public static final int VFIO_DEVICE_FEATURE_GET = 1 << 16;
  public static final int VFIO_DEVICE_FEATURE_SET = 1 << 17;
  public static final int VFIO_DEVICE_FEATURE_PROBE = 1 << 18;
  public static final int VFIO_DEVICE_FEATURE_PCI_VF_TOKEN = 0;
  public static final int VFIO_DEVICE_FEATURE_MIGRATION = 1;
  public static final int VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE = 2;
  public static final int VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY = 3;
  public static final int VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP = 4;
  public static final int VFIO_DEVICE_FEATURE_LOW_POWER_EXIT = 5;
  public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_START = 6;
  public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP = 7;
  public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT = 8;
  public static final int VFIO_DEVICE_FEATURE_MIG_DATA_SIZE = 9;
  public static final int VFIO_DEVICE_FEATURE_BUS_MASTER = 10;
  public static final int VFIO_DEVICE_FEATURE_DMA_BUF = 11;
  public static final int VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 = 12;
  public static final int VFIO_DEVICE_FEATURE_CLEAR_MASTER = 0;
  public static final int VFIO_DEVICE_FEATURE_SET_MASTER = 1;

  // migration
  public static final long VFIO_MIGRATION_STOP_COPY = 1L << 0;
  public static final long VFIO_MIGRATION_P2P = 1L << 1;
  public static final long VFIO_MIGRATION_PRE_COPY = 1L << 2;
  public static final int VFIO_DEVICE_STATE_ERROR = 0;
  public static final int VFIO_DEVICE_STATE_STOP = 1;
  public static final int VFIO_DEVICE_STATE_RUNNING = 2;
  public static final int VFIO_DEVICE_STATE_STOP_COPY = 3;
  public static final int VFIO_DEVICE_STATE_RESUMING = 4;
  public static final int VFIO_DEVICE_STATE_RUNNING_P2P = 5;
  public static final int VFIO_DEVICE_STATE_PRE_COPY = 6;
  public static final int VFIO_DEVICE_STATE_PRE_COPY_P2P = 7;
  public static final int VFIO_DEVICE_STATE_NR = 8;
  public static final int VFIO_PRECOPY_INFO_REINIT = 1 << 0;

  // the removed v1 migration region, kept so the ABI record is complete
  public static final int VFIO_DEVICE_STATE_V1_STOP = 0;
  public static final int VFIO_DEVICE_STATE_V1_RUNNING = 1 << 0;
  public static final int VFIO_DEVICE_STATE_V1_SAVING = 1 << 1;
  public static final int VFIO_DEVICE_STATE_V1_RESUMING = 1 << 2;
  public static final int VFIO_DEVICE_STATE_MASK =
      VFIO_DEVICE_STATE_V1_RUNNING | VFIO_DEVICE_STATE_V1_SAVING | VFIO_DEVICE_STATE_V1_RESUMING;

  // type1 container
  public static final int VFIO_IOMMU_INFO_PGSIZES = 1 << 0;
  public static final int VFIO_IOMMU_INFO_CAPS = 1 << 1;
  public static final int VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
  public static final int VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION = 2;
  public static final int VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;
  public static final int VFIO_DMA_MAP_FLAG_READ = 1 << 0;
  public static final int VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;
  public static final int VFIO_DMA_MAP_FLAG_VADDR = 1 << 2;
  public static final int VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0;
  public static final int VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1;
  public static final int VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2;
  public static final int VFIO_IOMMU_DIRTY_PAGES_FLAG_START = 1 << 0;
  public static final int VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP = 1 << 1;
  public static final int VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP = 1 << 2;
  public static final int VFIO_IOMMU_SPAPR_INFO_DDW = 1 << 0;

  // sPAPR EEH
  public static final int VFIO_EEH_PE_DISABLE = 0;
  public static final int VFIO_EEH_PE_ENABLE = 1;
  public static final int VFIO_EEH_PE_UNFREEZE_IO = 2;
  public static final int VFIO_EEH_PE_UNFREEZE_DMA = 3;
  public static final int VFIO_EEH_PE_GET_STATE = 4;
  public static final int VFIO_EEH_PE_STATE_NORMAL = 0;
  public static final int VFIO_EEH_PE_STATE_RESET = 1;
  public static final int VFIO_EEH_PE_STATE_STOPPED = 2;
  public static final int VFIO_EEH_PE_STATE_STOPPED_DMA = 4;
  public static final int VFIO_EEH_PE_STATE_UNAVAIL = 5;
  public static final int VFIO_EEH_PE_RESET_DEACTIVATE = 5;
  public static final int VFIO_EEH_PE_RESET_HOT = 6;
  public static final int VFIO_EEH_PE_RESET_FUNDAMENTAL = 7;
  public static final int VFIO_EEH_PE_CONFIGURE = 8;
  public static final int VFIO_EEH_PE_INJECT_ERR = 9;

  private VfioConstants() {}
}
