package io.jvfio.host.vfio;

import io.jvfio.host.iommufd.Hwpt;
import io.jvfio.host.iommufd.Ioas;
import io.jvfio.host.iommufd.IommufdAccess;
import io.jvfio.host.iommufd.IommufdDevice;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaFault;
import io.jvfio.host.sdk.DmaSpace;
import java.util.List;

/**
 * Where a vfio device's DMA goes, looked up at every access: the HWPT its iommufd binding is
 * attached to (the domain records writes in its dirty bits), the IOAS an mdev's access points at
 * (no domain, so no dirty bits: Linux's access reads and writes pages without an IOMMU page table),
 * or the type1 container its group uses. Anything else (not open, not attached) blocks DMA.
 */
final class DeviceDmaSpace implements DmaSpace {
  private final VfioDevice device;

  DeviceDmaSpace(VfioDevice device) {
    this.device = device;
  }

  @Override
  public void access(long iova, long length, boolean write, Piece piece) {
    IommufdDevice binding = device.iommufd;
    if (binding != null) {
      Hwpt h = binding.hwpt();
      if (h == null) {
        throw new DmaFault(DmaFault.Reason.NOT_ATTACHED, iova, length);
      }
      // the dirty bits are set while the mappings still hold, so an unmap clears them after
      h.ioas()
          .table()
          .access(iova, length, write, piece, write ? () -> h.recordWrite(iova, length) : null);
      return;
    }
    IommufdAccess a = device.access;
    if (a != null) {
      Ioas ioas = a.ioas();
      if (ioas == null) {
        throw new DmaFault(DmaFault.Reason.NOT_ATTACHED, iova, length);
      }
      ioas.table().access(iova, length, write, piece);
      return;
    }
    Type1Iommu type1 = type1();
    if (type1 == null || device.openCount() == 0) {
      throw new DmaFault(DmaFault.Reason.NOT_ATTACHED, iova, length);
    }
    type1.access(iova, length, write, piece);
  }

  @Override
  public List<Dma.Range> writableRanges() {
    IommufdDevice binding = device.iommufd;
    if (binding != null) {
      Hwpt h = binding.hwpt();
      return h == null ? List.of() : h.ioas().table().writableRanges();
    }
    IommufdAccess a = device.access;
    if (a != null) {
      Ioas ioas = a.ioas();
      return ioas == null ? List.of() : ioas.table().writableRanges();
    }
    Type1Iommu type1 = type1();
    return type1 == null || device.openCount() == 0 ? List.of() : type1.writableRanges();
  }

  private Type1Iommu type1() {
    VfioGroup g = device.group;
    ContainerFile c = g == null ? null : g.container;
    return c == null ? null : c.iommu();
  }
}
