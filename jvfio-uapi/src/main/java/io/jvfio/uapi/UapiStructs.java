package io.jvfio.uapi;

import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * Every struct layout of the uAPI, each named after its C tag (the layout test walks this list).
 */
public final class UapiStructs {
  public static final List<StructLayout> ALL =
      List.of(
          io.jvfio.uapi.vfio.VfioInfoCapHeader.LAYOUT,
          io.jvfio.uapi.vfio.VfioGroupStatus.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionSparseMmapArea.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionInfoCapSparseMmap.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionInfoCapType.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionGfxEdid.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceMigrationInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionInfoCapNvlink2Ssatgt.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionInfoCapNvlink2Lnkspd.LAYOUT,
          io.jvfio.uapi.vfio.VfioIrqInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioIrqSet.LAYOUT,
          io.jvfio.uapi.vfio.VfioPciDependentDevice.LAYOUT,
          io.jvfio.uapi.vfio.VfioPciHotResetInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioPciHotReset.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceGfxPlaneInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceIoeventfd.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeature.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureMigration.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureMigState.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceLowPowerEntryWithWakeup.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingRange.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingReport.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureMigDataSize.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureBusMaster.LAYOUT,
          io.jvfio.uapi.vfio.VfioRegionDmaRange.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceFeatureDmaBuf.LAYOUT,
          io.jvfio.uapi.vfio.VfioPrecopyInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceBindIommufd.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt.LAYOUT,
          io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1Info.LAYOUT,
          io.jvfio.uapi.vfio.VfioIovaRange.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1InfoCapIovaRange.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1InfoCapMigration.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1InfoDmaAvail.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1DmaMap.LAYOUT,
          io.jvfio.uapi.vfio.VfioBitmap.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1DirtyBitmap.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuType1DirtyBitmapGet.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuSpaprTceDdwInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuSpaprTceInfo.LAYOUT,
          io.jvfio.uapi.vfio.VfioEehPeErr.LAYOUT,
          io.jvfio.uapi.vfio.VfioEehPeOp.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuSpaprRegisterMemory.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuSpaprTceCreate.LAYOUT,
          io.jvfio.uapi.vfio.VfioIommuSpaprTceRemove.LAYOUT,
          io.jvfio.uapi.iommufd.IommuDestroy.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIoasAlloc.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIovaRange.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIoasIovaRanges.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIoasAllowIovas.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIoasMap.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIoasCopy.LAYOUT,
          io.jvfio.uapi.iommufd.IommuIoasUnmap.LAYOUT,
          io.jvfio.uapi.iommufd.IommuOption.LAYOUT,
          io.jvfio.uapi.iommufd.IommuVfioIoas.LAYOUT,
          io.jvfio.uapi.iommufd.IommuHwInfo.LAYOUT,
          io.jvfio.uapi.iommufd.IommuHwInfoVtd.LAYOUT,
          io.jvfio.uapi.iommufd.IommuHwptAlloc.LAYOUT,
          io.jvfio.uapi.iommufd.IommuHwptSetDirtyTracking.LAYOUT,
          io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap.LAYOUT);

  private UapiStructs() {}
}
