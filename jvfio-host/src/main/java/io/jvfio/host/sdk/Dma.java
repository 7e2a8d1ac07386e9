package io.jvfio.host.sdk;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A device's DMA to the memory of the process that owns it, by IOVA, through whatever IOMMU side
 * the device is attached to now (an iommufd HWPT, an iommufd access for an mdev, or a type1
 * container). The IO page table resolves each IOVA to the bytes the VMM mapped; a write lands there
 * at once, is recorded in the DMA log and, when tracking is on, in the HWPT's dirty bits. An access
 * that the IOMMU would refuse writes or reads nothing and throws {@link DmaFault}.
 */
public interface Dma {
  /** An IOVA range {@code [iova, iova + length)} the device may reach. */
  record Range(long iova, long length) {}

  /** Writes all of {@code src} at {@code iova}, or nothing ({@link DmaFault}). */
  void write(long iova, MemorySegment src);

  /** Fills all of {@code dst} from {@code iova}, or nothing ({@link DmaFault}). */
  void read(long iova, MemorySegment dst);

  /** The IOVA ranges mapped writable for this device now, in IOVA order (empty when none). */
  List<Range> writableRanges();

  /** How many accesses faulted so far. */
  long faults();

  /** No IOMMU side at all: every access faults (a model used outside a host). */
  Dma NONE =
      new Dma() {
        @Override
        public void write(long iova, MemorySegment src) {
          throw new DmaFault(DmaFault.Reason.NOT_ATTACHED, iova, src.byteSize());
        }

        @Override
        public void read(long iova, MemorySegment dst) {
          throw new DmaFault(DmaFault.Reason.NOT_ATTACHED, iova, dst.byteSize());
        }

        @Override
        public List<Range> writableRanges() {
          return List.of();
        }

        @Override
        public long faults() {
          return 0;
        }
      };
}
