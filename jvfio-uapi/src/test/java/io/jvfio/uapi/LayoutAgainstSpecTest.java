package io.jvfio.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuHwInfo;
import io.jvfio.uapi.iommufd.IommuHwptAlloc;
import io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.uapi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasAllowIovas;
import io.jvfio.uapi.iommufd.IommuIoasCopy;
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommuOption;
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.layout.Field;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The uAPI facts that the machine's (older, Linux 6.1) header cannot confirm, checked against the
 * tables of the spec notes: {@code linux-cdev-hot-reset.md} sections 1 and 2 and {@code
 * linux-migration.md} sections 1, 2.4, 3, 4, 8 and 9 (plus {@code vfio_device_info}'s mainline
 * pad).
 */
class LayoutAgainstSpecTest {

  /**
   * One row of a spec struct table. {@code members} is written as in the spec: "offset:type name"
   * entries separated by commas; a type ending in {@code []} is a flexible array member, {@code
   * u8[3]} a fixed array, and a type may name another struct of this table. {@code minsz} is the
   * spec's minimum size (null where the spec gives none); {@code javaMinsz} is the struct class's
   * {@code MINSZ} constant.
   */
  record SpecStruct(String name, long sizeof, String members, Long minsz, Long javaMinsz) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<SpecStruct> STRUCTS =
      List.of(
          // linux-cdev-hot-reset.md section 2
          new SpecStruct(
              "vfio_group_status", 8, "0:u32 argsz, 4:u32 flags", 8L, VfioGroupStatus.MINSZ),
          new SpecStruct(
              "vfio_device_bind_iommufd",
              24,
              "0:u32 argsz, 4:u32 flags, 8:s32 iommufd, 12:u32 out_devid, 16:u64 token_uuid_ptr",
              16L,
              VfioDeviceBindIommufd.MINSZ),
          new SpecStruct(
              "vfio_device_attach_iommufd_pt",
              16,
              "0:u32 argsz, 4:u32 flags, 8:u32 pt_id, 12:u32 pasid",
              12L,
              VfioDeviceAttachIommufdPt.MINSZ),
          new SpecStruct(
              "vfio_device_detach_iommufd_pt",
              12,
              "0:u32 argsz, 4:u32 flags, 8:u32 pasid",
              8L,
              VfioDeviceDetachIommufdPt.MINSZ),
          new SpecStruct(
              "vfio_pci_dependent_device",
              8,
              "0:u32 group_id, 0:u32 devid, 4:u16 segment, 6:u8 bus, 7:u8 devfn",
              null,
              null),
          new SpecStruct(
              "vfio_pci_hot_reset_info",
              12,
              "0:u32 argsz, 4:u32 flags, 8:u32 count, 12:vfio_pci_dependent_device[] devices",
              12L,
              VfioPciHotResetInfo.MINSZ),
          new SpecStruct(
              "vfio_pci_hot_reset",
              12,
              "0:u32 argsz, 4:u32 flags, 8:u32 count, 12:s32[] group_fds",
              12L,
              VfioPciHotReset.MINSZ),
          new SpecStruct("iommu_destroy", 8, "0:u32 size, 4:u32 id", 8L, IommuDestroy.MINSZ),
          new SpecStruct(
              "iommu_ioas_alloc",
              12,
              "0:u32 size, 4:u32 flags, 8:u32 out_ioas_id",
              12L,
              IommuIoasAlloc.MINSZ),
          new SpecStruct(
              "iommu_ioas_map",
              40,
              "0:u32 size, 4:u32 flags, 8:u32 ioas_id, 12:u32 __reserved, 16:u64 user_va,"
                  + " 24:u64 length, 32:u64 iova",
              40L,
              IommuIoasMap.MINSZ),
          new SpecStruct(
              "iommu_ioas_unmap",
              24,
              "0:u32 size, 4:u32 ioas_id, 8:u64 iova, 16:u64 length",
              24L,
              IommuIoasUnmap.MINSZ),
          new SpecStruct(
              "iommu_ioas_iova_ranges",
              32,
              "0:u32 size, 4:u32 ioas_id, 8:u32 num_iovas, 12:u32 __reserved,"
                  + " 16:u64 allowed_iovas, 24:u64 out_iova_alignment",
              32L,
              IommuIoasIovaRanges.MINSZ),
          new SpecStruct(
              "iommu_vfio_ioas",
              12,
              "0:u32 size, 4:u32 ioas_id, 8:u16 op, 10:u16 __reserved",
              12L,
              IommuVfioIoas.MINSZ),
          // linux-migration.md sections 2.1 and 2.2 (argsz >= 8)
          new SpecStruct(
              "vfio_device_feature",
              8,
              "0:u32 argsz, 4:u32 flags, 8:u8[] data",
              8L,
              VfioDeviceFeature.MINSZ),
          // linux-migration.md section 2.4 (and 3, 5, 9, 10 for the minimum payloads)
          new SpecStruct(
              "vfio_device_feature_migration",
              8,
              "0:u64 flags",
              8L,
              VfioDeviceFeatureMigration.MINSZ),
          new SpecStruct(
              "vfio_device_feature_mig_state",
              8,
              "0:u32 device_state, 4:s32 data_fd",
              8L,
              VfioDeviceFeatureMigState.MINSZ),
          new SpecStruct(
              "vfio_device_low_power_entry_with_wakeup",
              8,
              "0:s32 wakeup_eventfd, 4:u32 reserved",
              null,
              null),
          new SpecStruct(
              "vfio_device_feature_dma_logging_control",
              24,
              "0:u64 page_size, 8:u32 num_ranges, 12:u32 __reserved, 16:u64 ranges",
              24L,
              VfioDeviceFeatureDmaLoggingControl.MINSZ),
          new SpecStruct(
              "vfio_device_feature_dma_logging_range", 16, "0:u64 iova, 8:u64 length", null, null),
          new SpecStruct(
              "vfio_device_feature_dma_logging_report",
              32,
              "0:u64 iova, 8:u64 length, 16:u64 page_size, 24:u64 bitmap",
              32L,
              VfioDeviceFeatureDmaLoggingReport.MINSZ),
          new SpecStruct(
              "vfio_device_feature_mig_data_size",
              8,
              "0:u64 stop_copy_length",
              8L,
              VfioDeviceFeatureMigDataSize.MINSZ),
          new SpecStruct("vfio_device_feature_bus_master", 4, "0:u32 op", null, null),
          new SpecStruct("vfio_region_dma_range", 16, "0:u64 offset, 8:u64 length", null, null),
          new SpecStruct(
              "vfio_device_feature_dma_buf",
              16,
              "0:u32 region_index, 4:u32 open_flags, 8:u32 flags, 12:u32 nr_ranges,"
                  + " 16:vfio_region_dma_range[] dma_ranges",
              null,
              null),
          // linux-migration.md section 8
          new SpecStruct(
              "vfio_precopy_info",
              24,
              "0:u32 argsz, 4:u32 flags, 8:u64 initial_bytes, 16:u64 dirty_bytes",
              24L,
              VfioPrecopyInfo.MINSZ),
          // mainline vfio_device_info: the trailing pad that 6.1 lacks
          new SpecStruct(
              "vfio_device_info",
              24,
              "0:u32 argsz, 4:u32 flags, 8:u32 num_regions, 12:u32 num_irqs, 16:u32 cap_offset,"
                  + " 20:u32 pad",
              null,
              null),
          // Not in the spec notes: mainline include/uapi/linux/vfio.h and iommufd.h, pinned here
          // because the machine's 6.1 header lacks them (pad) or has no iommufd.h at all.
          new SpecStruct(
              "vfio_iommu_type1_info",
              24,
              "0:u32 argsz, 4:u32 flags, 8:u64 iova_pgsizes, 16:u32 cap_offset, 20:u32 pad",
              null,
              null),
          new SpecStruct("iommu_iova_range", 16, "0:u64 start, 8:u64 last", null, null),
          new SpecStruct(
              "iommu_ioas_allow_iovas",
              24,
              "0:u32 size, 4:u32 ioas_id, 8:u32 num_iovas, 12:u32 __reserved, 16:u64 allowed_iovas",
              24L,
              IommuIoasAllowIovas.MINSZ),
          new SpecStruct(
              "iommu_ioas_copy",
              40,
              "0:u32 size, 4:u32 flags, 8:u32 dst_ioas_id, 12:u32 src_ioas_id, 16:u64 length,"
                  + " 24:u64 dst_iova, 32:u64 src_iova",
              40L,
              IommuIoasCopy.MINSZ),
          new SpecStruct(
              "iommu_option",
              24,
              "0:u32 size, 4:u32 option_id, 8:u16 op, 10:u16 __reserved, 12:u32 object_id,"
                  + " 16:u64 val64",
              24L,
              IommuOption.MINSZ),
          // iommufd dirty tracking as Linux 6.12.117 has it (docs/iommufd-dirty-tracking.md)
          new SpecStruct(
              "iommu_hw_info",
              40,
              "0:u32 size, 4:u32 flags, 8:u32 dev_id, 12:u32 data_len, 16:u64 data_uptr,"
                  + " 24:u32 out_data_type, 28:u8 out_max_pasid_log2, 29:u8[3] __reserved,"
                  + " 32:u64 out_capabilities",
              32L,
              IommuHwInfo.MINSZ),
          new SpecStruct(
              "iommu_hw_info_vtd",
              24,
              "0:u32 flags, 4:u32 __reserved, 8:u64 cap_reg, 16:u64 ecap_reg",
              null,
              null),
          new SpecStruct(
              "iommu_hwpt_alloc",
              48,
              "0:u32 size, 4:u32 flags, 8:u32 dev_id, 12:u32 pt_id, 16:u32 out_hwpt_id,"
                  + " 20:u32 __reserved, 24:u32 data_type, 28:u32 data_len, 32:u64 data_uptr,"
                  + " 40:u32 fault_id, 44:u32 __reserved2",
              24L,
              IommuHwptAlloc.MINSZ),
          new SpecStruct(
              "iommu_hwpt_set_dirty_tracking",
              16,
              "0:u32 size, 4:u32 flags, 8:u32 hwpt_id, 12:u32 __reserved",
              16L,
              IommuHwptSetDirtyTracking.MINSZ),
          new SpecStruct(
              "iommu_hwpt_get_dirty_bitmap",
              48,
              "0:u32 size, 4:u32 hwpt_id, 8:u32 flags, 12:u32 __reserved, 16:u64 iova,"
                  + " 24:u64 length, 32:u64 page_size, 40:u64 data",
              48L,
              IommuHwptGetDirtyBitmap.MINSZ));

  private static final Map<String, Long> SCALARS =
      Map.of("u8", 1L, "u16", 2L, "u32", 4L, "s32", 4L, "u64", 8L);

  /** sizeof of every struct of the spec tables, by C tag (used by the header test too). */
  static Map<String, Long> specSizes() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    for (SpecStruct s : STRUCTS) {
      sizes.put(s.name(), s.sizeof());
    }
    return sizes;
  }

  static Stream<SpecStruct> structs() {
    return STRUCTS.stream();
  }

  private static StructLayout javaLayout(String name) {
    return UapiStructs.ALL.stream()
        .filter(l -> l.name().orElseThrow().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("UapiStructs.ALL has no struct " + name));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("structs")
  void structLayoutMatchesSpecTable(SpecStruct spec) {
    StructLayout layout = javaLayout(spec.name());
    assertThat(layout.byteSize()).as("sizeof(struct %s)", spec.name()).isEqualTo(spec.sizeof());

    Set<String> specMembers = new TreeSet<>();
    for (String entry : spec.members().split(",")) {
      String[] offsetAndRest = entry.strip().split(":", 2);
      String[] typeAndName = offsetAndRest[1].strip().split("\\s+");
      long offset = Long.parseLong(offsetAndRest[0]);
      String type = typeAndName[0];
      String name = typeAndName[1];
      specMembers.add(name);

      assertThat(Field.offset(layout, name))
          .as("offsetof(struct %s, %s)", spec.name(), name)
          .isEqualTo(offset);
      MemoryLayout member = Field.member(layout, name);
      if (type.endsWith("[]")) {
        String element = type.substring(0, type.length() - 2);
        assertThat(Field.isFlexible(member))
            .as("%s.%s is a flexible array member", spec.name(), name)
            .isTrue();
        assertThat(((SequenceLayout) member).elementLayout().byteSize())
            .as("element size of %s.%s", spec.name(), name)
            .isEqualTo(typeSize(element));
      } else {
        assertThat(member.byteSize())
            .as("size of %s.%s (%s)", spec.name(), name, type)
            .isEqualTo(typeSize(type));
      }
    }
    assertThat(LayoutAgainstHeaderTest.namedMembers(layout))
        .as("named members of struct %s", spec.name())
        .containsExactlyInAnyOrderElementsOf(specMembers);

    if (spec.minsz() != null) {
      assertThat(spec.javaMinsz()).as("%s MINSZ", spec.name()).isEqualTo(spec.minsz());
    }
  }

  private static long typeSize(String type) {
    // a fixed array, "u8[3]"
    java.util.regex.Matcher array =
        java.util.regex.Pattern.compile("(.+)\\[(\\d+)\\]").matcher(type);
    if (array.matches()) {
      return Long.parseLong(array.group(2)) * typeSize(array.group(1));
    }
    Long scalar = SCALARS.get(type);
    return scalar != null ? scalar : specSizes().get(type);
  }

  @Test
  void minszConstantsStatedInTheSpec() {
    assertThat(VfioDeviceBindIommufd.MINSZ).isEqualTo(16);
    assertThat(VfioDeviceAttachIommufdPt.MINSZ).isEqualTo(12);
    assertThat(VfioDeviceDetachIommufdPt.MINSZ).isEqualTo(8);
    assertThat(VfioPciHotResetInfo.MINSZ).isEqualTo(12);
    assertThat(VfioPciHotReset.MINSZ).isEqualTo(12);
    assertThat(VfioPrecopyInfo.MINSZ).isEqualTo(24);
  }

  static Stream<Arguments> constants() {
    return Stream.of(
        // linux-cdev-hot-reset.md 1.1 and linux-migration.md 1: VFIO ioctl numbers
        row("VFIO_TYPE", VfioIoctls.VFIO_TYPE, 0x3B),
        row("VFIO_BASE", VfioIoctls.VFIO_BASE, 100),
        row("VFIO_GET_API_VERSION", VfioIoctls.VFIO_GET_API_VERSION, 0x3B64),
        row("VFIO_CHECK_EXTENSION", VfioIoctls.VFIO_CHECK_EXTENSION, 0x3B65),
        row("VFIO_SET_IOMMU", VfioIoctls.VFIO_SET_IOMMU, 0x3B66),
        row("VFIO_GROUP_GET_STATUS", VfioIoctls.VFIO_GROUP_GET_STATUS, 0x3B67),
        row("VFIO_GROUP_SET_CONTAINER", VfioIoctls.VFIO_GROUP_SET_CONTAINER, 0x3B68),
        row("VFIO_GROUP_UNSET_CONTAINER", VfioIoctls.VFIO_GROUP_UNSET_CONTAINER, 0x3B69),
        row("VFIO_GROUP_GET_DEVICE_FD", VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, 0x3B6A),
        row("VFIO_DEVICE_GET_INFO", VfioIoctls.VFIO_DEVICE_GET_INFO, 0x3B6B),
        row("VFIO_DEVICE_RESET", VfioIoctls.VFIO_DEVICE_RESET, 0x3B6F),
        row(
            "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO",
            VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
            0x3B70),
        row("VFIO_DEVICE_PCI_HOT_RESET", VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, 0x3B71),
        row("VFIO_DEVICE_FEATURE", VfioIoctls.VFIO_DEVICE_FEATURE, 0x3B75),
        row("VFIO_DEVICE_BIND_IOMMUFD", VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, 0x3B76),
        row("VFIO_DEVICE_ATTACH_IOMMUFD_PT", VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3B77),
        row("VFIO_DEVICE_DETACH_IOMMUFD_PT", VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3B78),
        row("VFIO_MIG_GET_PRECOPY_INFO", VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, 0x3B79),
        row("VFIO_EEH_PE_OP", VfioIoctls.VFIO_EEH_PE_OP, 0x3B79),
        row("VFIO_IOMMU_GET_INFO", VfioIoctls.VFIO_IOMMU_GET_INFO, 0x3B70),
        row("VFIO_IOMMU_MAP_DMA", VfioIoctls.VFIO_IOMMU_MAP_DMA, 0x3B71),
        row("VFIO_IOMMU_UNMAP_DMA", VfioIoctls.VFIO_IOMMU_UNMAP_DMA, 0x3B72),
        // IOMMU types
        row("VFIO_API_VERSION", VfioConstants.VFIO_API_VERSION, 0),
        row("VFIO_TYPE1_IOMMU", VfioConstants.VFIO_TYPE1_IOMMU, 1),
        row("VFIO_SPAPR_TCE_IOMMU", VfioConstants.VFIO_SPAPR_TCE_IOMMU, 2),
        row("VFIO_TYPE1v2_IOMMU", VfioConstants.VFIO_TYPE1v2_IOMMU, 3),
        row("VFIO_DMA_CC_IOMMU", VfioConstants.VFIO_DMA_CC_IOMMU, 4),
        row("VFIO_EEH", VfioConstants.VFIO_EEH, 5),
        row("VFIO_SPAPR_TCE_v2_IOMMU", VfioConstants.VFIO_SPAPR_TCE_v2_IOMMU, 7),
        row("VFIO_NOIOMMU_IOMMU", VfioConstants.VFIO_NOIOMMU_IOMMU, 8),
        row("VFIO_UNMAP_ALL", VfioConstants.VFIO_UNMAP_ALL, 9),
        row("VFIO_UPDATE_VADDR", VfioConstants.VFIO_UPDATE_VADDR, 10),
        // linux-cdev-hot-reset.md 1.1 flags
        row("VFIO_GROUP_FLAGS_VIABLE", VfioConstants.VFIO_GROUP_FLAGS_VIABLE, 1),
        row("VFIO_GROUP_FLAGS_CONTAINER_SET", VfioConstants.VFIO_GROUP_FLAGS_CONTAINER_SET, 2),
        row("VFIO_DEVICE_FLAGS_RESET", VfioConstants.VFIO_DEVICE_FLAGS_RESET, 1),
        row("VFIO_DEVICE_FLAGS_PCI", VfioConstants.VFIO_DEVICE_FLAGS_PCI, 2),
        row("VFIO_DEVICE_BIND_FLAG_TOKEN", VfioConstants.VFIO_DEVICE_BIND_FLAG_TOKEN, 1),
        row("VFIO_DEVICE_ATTACH_PASID", VfioConstants.VFIO_DEVICE_ATTACH_PASID, 1),
        row("VFIO_DEVICE_DETACH_PASID", VfioConstants.VFIO_DEVICE_DETACH_PASID, 1),
        row("VFIO_PCI_HOT_RESET_FLAG_DEV_ID", VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID, 1),
        row(
            "VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED",
            VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED,
            2),
        row("VFIO_PCI_DEVID_OWNED", VfioConstants.VFIO_PCI_DEVID_OWNED, 0),
        row("VFIO_PCI_DEVID_NOT_OWNED", VfioConstants.VFIO_PCI_DEVID_NOT_OWNED, -1),
        // linux-cdev-hot-reset.md 1.2: iommufd ioctl numbers
        row("IOMMUFD_TYPE", IommufdIoctls.IOMMUFD_TYPE, 0x3B),
        row("IOMMUFD_CMD_BASE", IommufdIoctls.IOMMUFD_CMD_BASE, 0x80),
        row("IOMMU_DESTROY", IommufdIoctls.IOMMU_DESTROY, 0x3B80),
        row("IOMMU_IOAS_ALLOC", IommufdIoctls.IOMMU_IOAS_ALLOC, 0x3B81),
        row("IOMMU_IOAS_ALLOW_IOVAS", IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, 0x3B82),
        row("IOMMU_IOAS_COPY", IommufdIoctls.IOMMU_IOAS_COPY, 0x3B83),
        row("IOMMU_IOAS_IOVA_RANGES", IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, 0x3B84),
        row("IOMMU_IOAS_MAP", IommufdIoctls.IOMMU_IOAS_MAP, 0x3B85),
        row("IOMMU_IOAS_UNMAP", IommufdIoctls.IOMMU_IOAS_UNMAP, 0x3B86),
        row("IOMMU_OPTION", IommufdIoctls.IOMMU_OPTION, 0x3B87),
        row("IOMMU_VFIO_IOAS", IommufdIoctls.IOMMU_VFIO_IOAS, 0x3B88),
        row("IOMMU_HWPT_ALLOC", IommufdIoctls.IOMMU_HWPT_ALLOC, 0x3B89),
        row("IOMMU_GET_HW_INFO", IommufdIoctls.IOMMU_GET_HW_INFO, 0x3B8A),
        // the spec gives nr only for these; the value is (0x3B << 8) | nr
        row("IOMMU_HWPT_SET_DIRTY_TRACKING", IommufdIoctls.IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3B8B),
        row("IOMMU_HWPT_GET_DIRTY_BITMAP", IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3B8C),
        row("IOMMU_HWPT_INVALIDATE", IommufdIoctls.IOMMU_HWPT_INVALIDATE, 0x3B8D),
        row("IOMMU_FAULT_QUEUE_ALLOC", IommufdIoctls.IOMMU_FAULT_QUEUE_ALLOC, 0x3B8E),
        row("IOMMU_IOAS_MAP_FILE", IommufdIoctls.IOMMU_IOAS_MAP_FILE, 0x3B8F),
        row("IOMMU_VIOMMU_ALLOC", IommufdIoctls.IOMMU_VIOMMU_ALLOC, 0x3B90),
        row("IOMMU_VDEVICE_ALLOC", IommufdIoctls.IOMMU_VDEVICE_ALLOC, 0x3B91),
        row("IOMMU_IOAS_CHANGE_PROCESS", IommufdIoctls.IOMMU_IOAS_CHANGE_PROCESS, 0x3B92),
        row("IOMMU_VEVENTQ_ALLOC", IommufdIoctls.IOMMU_VEVENTQ_ALLOC, 0x3B93),
        row("IOMMU_HW_QUEUE_ALLOC", IommufdIoctls.IOMMU_HW_QUEUE_ALLOC, 0x3B94),
        // IOAS map flags, IOMMU_VFIO_IOAS ops, IOMMU_OPTION
        row("IOMMU_IOAS_MAP_FIXED_IOVA", IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA, 1),
        row("IOMMU_IOAS_MAP_WRITEABLE", IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE, 2),
        row("IOMMU_IOAS_MAP_READABLE", IommufdConstants.IOMMU_IOAS_MAP_READABLE, 4),
        row("IOMMU_VFIO_IOAS_GET", IommufdConstants.IOMMU_VFIO_IOAS_GET, 0),
        row("IOMMU_VFIO_IOAS_SET", IommufdConstants.IOMMU_VFIO_IOAS_SET, 1),
        row("IOMMU_VFIO_IOAS_CLEAR", IommufdConstants.IOMMU_VFIO_IOAS_CLEAR, 2),
        row("IOMMU_OPTION_RLIMIT_MODE", IommufdConstants.IOMMU_OPTION_RLIMIT_MODE, 0),
        row("IOMMU_OPTION_HUGE_PAGES", IommufdConstants.IOMMU_OPTION_HUGE_PAGES, 1),
        // iommufd dirty tracking (docs/iommufd-dirty-tracking.md; include/uapi/linux/iommufd.h)
        row("IOMMU_HWPT_ALLOC_NEST_PARENT", IommufdConstants.IOMMU_HWPT_ALLOC_NEST_PARENT, 1),
        row("IOMMU_HWPT_ALLOC_DIRTY_TRACKING", IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 2),
        row("IOMMU_HWPT_FAULT_ID_VALID", IommufdConstants.IOMMU_HWPT_FAULT_ID_VALID, 4),
        row("IOMMU_HWPT_DATA_NONE", IommufdConstants.IOMMU_HWPT_DATA_NONE, 0),
        row("IOMMU_HWPT_DATA_VTD_S1", IommufdConstants.IOMMU_HWPT_DATA_VTD_S1, 1),
        row("IOMMU_HW_INFO_TYPE_NONE", IommufdConstants.IOMMU_HW_INFO_TYPE_NONE, 0),
        row("IOMMU_HW_INFO_TYPE_INTEL_VTD", IommufdConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD, 1),
        row(
            "IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17",
            IommufdConstants.IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17,
            1),
        row("IOMMU_HW_CAP_DIRTY_TRACKING", IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING, 1),
        row(
            "IOMMU_HWPT_DIRTY_TRACKING_ENABLE",
            IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
            1),
        row(
            "IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR",
            IommufdConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
            1),
        row("IOMMU_OPTION_OP_SET", IommufdConstants.IOMMU_OPTION_OP_SET, 0),
        row("IOMMU_OPTION_OP_GET", IommufdConstants.IOMMU_OPTION_OP_GET, 1),
        // linux-migration.md 2.1: VFIO_DEVICE_FEATURE flags
        row("VFIO_DEVICE_FEATURE_MASK", VfioConstants.VFIO_DEVICE_FEATURE_MASK, 0xFFFF),
        row("VFIO_DEVICE_FEATURE_GET", VfioConstants.VFIO_DEVICE_FEATURE_GET, 0x10000),
        row("VFIO_DEVICE_FEATURE_SET", VfioConstants.VFIO_DEVICE_FEATURE_SET, 0x20000),
        row("VFIO_DEVICE_FEATURE_PROBE", VfioConstants.VFIO_DEVICE_FEATURE_PROBE, 0x40000),
        // linux-migration.md 2.4: feature indices
        row("VFIO_DEVICE_FEATURE_PCI_VF_TOKEN", VfioConstants.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, 0),
        row("VFIO_DEVICE_FEATURE_MIGRATION", VfioConstants.VFIO_DEVICE_FEATURE_MIGRATION, 1),
        row(
            "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE",
            VfioConstants.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
            2),
        row(
            "VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY",
            VfioConstants.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
            3),
        row(
            "VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP",
            VfioConstants.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
            4),
        row(
            "VFIO_DEVICE_FEATURE_LOW_POWER_EXIT",
            VfioConstants.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
            5),
        row(
            "VFIO_DEVICE_FEATURE_DMA_LOGGING_START",
            VfioConstants.VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
            6),
        row(
            "VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP",
            VfioConstants.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
            7),
        row(
            "VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT",
            VfioConstants.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
            8),
        row(
            "VFIO_DEVICE_FEATURE_MIG_DATA_SIZE",
            VfioConstants.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
            9),
        row("VFIO_DEVICE_FEATURE_BUS_MASTER", VfioConstants.VFIO_DEVICE_FEATURE_BUS_MASTER, 10),
        row("VFIO_DEVICE_FEATURE_DMA_BUF", VfioConstants.VFIO_DEVICE_FEATURE_DMA_BUF, 11),
        row(
            "VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2",
            VfioConstants.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
            12),
        row("VFIO_DEVICE_FEATURE_CLEAR_MASTER", VfioConstants.VFIO_DEVICE_FEATURE_CLEAR_MASTER, 0),
        row("VFIO_DEVICE_FEATURE_SET_MASTER", VfioConstants.VFIO_DEVICE_FEATURE_SET_MASTER, 1),
        // linux-migration.md 3: migration flags
        row("VFIO_MIGRATION_STOP_COPY", VfioConstants.VFIO_MIGRATION_STOP_COPY, 1),
        row("VFIO_MIGRATION_P2P", VfioConstants.VFIO_MIGRATION_P2P, 2),
        row("VFIO_MIGRATION_PRE_COPY", VfioConstants.VFIO_MIGRATION_PRE_COPY, 4),
        // linux-migration.md 4: enum vfio_device_mig_state
        row("VFIO_DEVICE_STATE_ERROR", VfioConstants.VFIO_DEVICE_STATE_ERROR, 0),
        row("VFIO_DEVICE_STATE_STOP", VfioConstants.VFIO_DEVICE_STATE_STOP, 1),
        row("VFIO_DEVICE_STATE_RUNNING", VfioConstants.VFIO_DEVICE_STATE_RUNNING, 2),
        row("VFIO_DEVICE_STATE_STOP_COPY", VfioConstants.VFIO_DEVICE_STATE_STOP_COPY, 3),
        row("VFIO_DEVICE_STATE_RESUMING", VfioConstants.VFIO_DEVICE_STATE_RESUMING, 4),
        row("VFIO_DEVICE_STATE_RUNNING_P2P", VfioConstants.VFIO_DEVICE_STATE_RUNNING_P2P, 5),
        row("VFIO_DEVICE_STATE_PRE_COPY", VfioConstants.VFIO_DEVICE_STATE_PRE_COPY, 6),
        row("VFIO_DEVICE_STATE_PRE_COPY_P2P", VfioConstants.VFIO_DEVICE_STATE_PRE_COPY_P2P, 7),
        row("VFIO_DEVICE_STATE_NR", VfioConstants.VFIO_DEVICE_STATE_NR, 8),
        // linux-migration.md 8
        row("VFIO_PRECOPY_INFO_REINIT", VfioConstants.VFIO_PRECOPY_INFO_REINIT, 1));
  }

  private static Arguments row(String name, long actual, long expected) {
    return Arguments.of(name, actual, expected);
  }

  @ParameterizedTest(name = "{0} = {2}")
  @MethodSource("constants")
  void constantMatchesSpecTable(String name, long actual, long expected) {
    assertThat(actual).as(name).isEqualTo(expected);
  }

  @Test
  void notOwnedIsAllOnesInTheU32() {
    assertThat(Integer.toUnsignedLong(VfioConstants.VFIO_PCI_DEVID_NOT_OWNED))
        .isEqualTo(0xFFFF_FFFFL);
  }

  @Test
  void everyIommufdIoctlIsInTheSpecTable() {
    Set<String> inTable =
        constants().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(TreeSet::new));
    Set<String> ioctls = new TreeSet<>();
    for (java.lang.reflect.Field f : IommufdIoctls.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
        ioctls.add(f.getName());
      }
    }
    assertThat(ioctls).isNotEmpty();
    assertThat(inTable).containsAll(ioctls);
  }
}
