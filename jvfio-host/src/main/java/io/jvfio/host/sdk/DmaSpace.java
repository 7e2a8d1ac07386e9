package io.jvfio.host.sdk;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The host's side of a device's DMA: the IO page table it is attached to now. Implemented by the
 * vfio core, used by {@link DmaPort}; models never see it.
 */
public interface DmaSpace {
  /** Receives one piece of a translated access: {@code bytes} of memory at offset {@code at}. */
  interface Piece {
    void accept(long at, MemorySegment bytes);
  }

  /**
   * Translates {@code [iova, iova + length)} for a read or a write and hands every piece to {@code
   * piece}, in order, while the translation holds (an unmap waits); throws {@link DmaFault}, having
   * handed over nothing, when any byte cannot be reached that way. A write is recorded in the dirty
   * bits of the HWPT the device is attached to when its tracking is on.
   */
  void access(long iova, long length, boolean write, Piece piece);

  /** The IOVA ranges mapped writable, in IOVA order. */
  List<Dma.Range> writableRanges();
}
