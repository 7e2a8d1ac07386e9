package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.host.kernel.UserMemory;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaFault;
import io.jvfio.host.sdk.DmaSpace;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioInfoCapHeader;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioIommuType1DmaMap;
import io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.uapi.vfio.VfioIommuType1Info;
import io.jvfio.uapi.vfio.VfioIommuType1InfoCapIovaRange;
import io.jvfio.uapi.vfio.VfioIommuType1InfoCapMigration;
import io.jvfio.uapi.vfio.VfioIommuType1InfoDmaAvail;
import io.jvfio.uapi.vfio.VfioIovaRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The type1 IOMMU driver of a legacy container (vfio_iommu_type1): DMA mappings pinned at MAP time,
 * valid IOVA ranges from the domain aperture minus the MSI window, and the v1/v2 unmap rules.
 */
public final class Type1Iommu {
  public static final int DMA_ENTRY_LIMIT = 65535;
  private static final long PAGE = Iova.PAGE_SIZE;
  private static final long DIRTY_BITMAP_SIZE_MAX = 1L << 28;

  /** One mapping: {@code size} bytes of {@code vaddr} at {@code iova}. */
  public record Mapping(long iova, long size, long vaddr, int flags, boolean vaddrValid) {
    long last() {
      return iova + size - 1;
    }
  }

  private final boolean v2;
  // device threads translate IOVAs for DMA while the owner maps and unmaps: both hold this
  // object's lock around the mappings
  private final TreeMap<Long, Mapping> dmas = new TreeMap<>(Long::compareUnsigned);
  // the address space of the process that maps (the container's owner)
  private UserMemory memory;

  Type1Iommu(boolean v2) {
    this.v2 = v2;
  }

  public boolean v2() {
    return v2;
  }

  public synchronized Map<Long, Mapping> mappings() {
    return Map.copyOf(dmas);
  }

  /**
   * A device's DMA through the container: every byte must be mapped with the needed permission (the
   * pages stay pinned at their first vaddr, even after a VADDR unmap invalidates it); {@link
   * DmaFault} having handed over nothing otherwise. No dirty bits: type1 dirty tracking is not
   * emulated.
   */
  synchronized void access(long iova, long length, boolean write, DmaSpace.Piece piece) {
    if (Iova.addOverflows(iova, length - 1)) {
      throw new DmaFault(DmaFault.Reason.UNMAPPED, iova, length);
    }
    long last = iova + length - 1;
    int need = write ? VFIO_DMA_MAP_FLAG_WRITE : VFIO_DMA_MAP_FLAG_READ;
    List<MemorySegment> pieces = new ArrayList<>();
    long cur = iova;
    while (true) {
      Mapping m = holding(cur);
      if (m == null) {
        throw new DmaFault(DmaFault.Reason.UNMAPPED, iova, length);
      }
      if ((m.flags() & need) == 0) {
        throw new DmaFault(
            write ? DmaFault.Reason.READ_ONLY : DmaFault.Reason.WRITE_ONLY, iova, length);
      }
      long end = Long.compareUnsigned(m.last(), last) < 0 ? m.last() : last;
      long va = m.vaddr() + (cur - m.iova());
      if (memory == null || !memory.isPinnable(va, end - cur + 1, write)) {
        throw new DmaFault(DmaFault.Reason.NO_MEMORY, iova, length);
      }
      pieces.add(memory.resolve(va, end - cur + 1));
      if (end == last) {
        break;
      }
      cur = end + 1;
    }
    long at = 0;
    for (MemorySegment s : pieces) {
      piece.accept(at, s);
      at += s.byteSize();
    }
  }

  /** The mappings a device may write, in IOVA order. */
  synchronized List<Dma.Range> writableRanges() {
    List<Dma.Range> out = new ArrayList<>();
    for (Mapping m : dmas.values()) {
      if ((m.flags() & VFIO_DMA_MAP_FLAG_WRITE) != 0) {
        out.add(new Dma.Range(m.iova(), m.size()));
      }
    }
    return out;
  }

  /** What type1 answers to CHECK_EXTENSION before any container uses it. */
  static int probeExtension(long type) {
    return type == VFIO_TYPE1_IOMMU || type == VFIO_TYPE1v2_IOMMU || type == VFIO_UNMAP_ALL ? 1 : 0;
  }

  int checkExtension(long type) {
    if (type == VFIO_DMA_CC_IOMMU || type == VFIO_UPDATE_VADDR) {
      return 1;
    }
    return probeExtension(type);
  }

  int ioctl(long request, UserArg arg) {
    if (request == VfioIoctls.VFIO_CHECK_EXTENSION) {
      return checkExtension(arg.word());
    }
    if (request == VfioIoctls.VFIO_IOMMU_GET_INFO) {
      return getInfo(arg);
    }
    if (request == VfioIoctls.VFIO_IOMMU_MAP_DMA) {
      return map(arg);
    }
    if (request == VfioIoctls.VFIO_IOMMU_UNMAP_DMA) {
      return unmap(arg);
    }
    throw new KernelError(Errno.ENOTTY);
  }

  private static long[][] validRanges() {
    return new long[][] {{0, Iova.MSI_START - 1}, {Iova.MSI_LAST + 1, Iova.APERTURE_LAST}};
  }

  private int getInfo(UserArg arg) {
    long minsz = VfioIommuType1Info.MINSZ;
    long size = VfioIommuType1Info.SIZEOF;
    MemorySegment k = MemorySegment.ofArray(new byte[(int) size]);
    MemorySegment.copy(arg.copyIn(minsz), 0, k, 0, minsz);
    long argsz = VfioIommuType1Info.ARGSZ.getUnsigned(k);
    KernelError.check(argsz >= minsz, Errno.EINVAL);
    long outSize = Math.min(argsz, size);
    VfioIommuType1Info.FLAGS.set(k, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
    VfioIommuType1Info.IOVA_PGSIZES.set(k, Iova.PGSIZE_BITMAP);

    long[][] ranges = validRanges();
    long migLen = VfioIommuType1InfoCapMigration.SIZEOF;
    long availLen = align8(VfioIommuType1InfoDmaAvail.SIZEOF);
    long rangeLen = VfioIommuType1InfoCapIovaRange.SIZEOF + ranges.length * VfioIovaRange.SIZEOF;
    long capsLen = migLen + availLen + rangeLen;
    if (argsz < size + capsLen) {
      VfioIommuType1Info.ARGSZ.set(k, size + capsLen);
    } else {
      MemorySegment caps = MemorySegment.ofArray(new byte[(int) capsLen]);
      long at = 0;
      header(caps, at, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, size + at + migLen);
      VfioIommuType1InfoCapMigration.PGSIZE_BITMAP.set(caps.asSlice(at), PAGE);
      VfioIommuType1InfoCapMigration.MAX_DIRTY_BITMAP_SIZE.set(
          caps.asSlice(at), DIRTY_BITMAP_SIZE_MAX);
      at += migLen;
      header(caps, at, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, size + at + availLen);
      VfioIommuType1InfoDmaAvail.AVAIL.set(caps.asSlice(at), DMA_ENTRY_LIMIT - dmas.size());
      at += availLen;
      header(caps, at, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 0);
      MemorySegment r = caps.asSlice(at);
      VfioIommuType1InfoCapIovaRange.NR_IOVAS.set(r, ranges.length);
      for (int i = 0; i < ranges.length; i++) {
        MemorySegment e =
            r.asSlice(VfioIommuType1InfoCapIovaRange.IOVA_RANGES_OFFSET + i * VfioIovaRange.SIZEOF);
        VfioIovaRange.START.set(e, ranges[i][0]);
        VfioIovaRange.END.set(e, ranges[i][1]);
      }
      arg.copyOut(size, caps, 0, capsLen);
      VfioIommuType1Info.CAP_OFFSET.set(k, (int) size);
    }
    arg.copyOut(k, outSize);
    return 0;
  }

  private static void header(MemorySegment caps, long at, int id, long next) {
    MemorySegment h = caps.asSlice(at);
    VfioInfoCapHeader.ID.set(h, id);
    VfioInfoCapHeader.VERSION.set(h, 1);
    VfioInfoCapHeader.NEXT.set(h, next);
  }

  private static long align8(long v) {
    return (v + 7) & ~7L;
  }

  private synchronized int map(UserArg arg) {
    long minsz = VfioIommuType1DmaMap.MINSZ;
    MemorySegment k = arg.copyIn(minsz);
    int flags = VfioIommuType1DmaMap.FLAGS.get(k);
    int all = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR;
    KernelError.check(
        VfioIommuType1DmaMap.ARGSZ.getUnsigned(k) >= minsz && (flags & ~all) == 0, Errno.EINVAL);
    long size = VfioIommuType1DmaMap.SIZE.get(k);
    long iova = VfioIommuType1DmaMap.IOVA.get(k);
    long vaddr = VfioIommuType1DmaMap.VADDR.get(k);
    KernelError.check(size != 0, Errno.EINVAL);
    KernelError.check(
        !Iova.addOverflows(iova, size - 1) && !Iova.addOverflows(vaddr, size - 1), Errno.EOVERFLOW);
    boolean prot = (flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) != 0;
    boolean setVaddr = (flags & VFIO_DMA_MAP_FLAG_VADDR) != 0;
    KernelError.check(prot ^ setVaddr, Errno.EINVAL);
    KernelError.check(((size | iova | vaddr) & (PAGE - 1)) == 0, Errno.EINVAL);
    long last = iova + size - 1;
    Mapping hit = firstIntersecting(iova, last);
    if (setVaddr) {
      KernelError.check(hit != null, Errno.ENOENT);
      KernelError.check(
          !hit.vaddrValid() && hit.iova() == iova && hit.size() == size, Errno.EINVAL);
      // only the locked-memory accounting moves; nothing is pinned, so vaddr is not checked here
      dmas.put(iova, new Mapping(iova, size, vaddr, hit.flags(), true));
      return 0;
    }
    KernelError.check(hit == null, Errno.EEXIST);
    KernelError.check(dmas.size() < DMA_ENTRY_LIMIT, Errno.ENOSPC);
    boolean inside = false;
    for (long[] r : validRanges()) {
      inside |= Long.compareUnsigned(r[0], iova) <= 0 && Long.compareUnsigned(last, r[1]) <= 0;
    }
    KernelError.check(inside, Errno.EINVAL);
    checkPinnable(arg.memory(), vaddr, size, (flags & VFIO_DMA_MAP_FLAG_WRITE) != 0);
    memory = arg.memory();
    dmas.put(iova, new Mapping(iova, size, vaddr, flags, true));
    return 0;
  }

  // a mapping the device may write is pinned for write, which read-only memory refuses
  private static void checkPinnable(UserMemory memory, long vaddr, long size, boolean write) {
    if (!memory.isPinnable(vaddr, size, write)) {
      throw new KernelError(Errno.EFAULT, "vaddr is not mapped (writable) memory of the process");
    }
  }

  // mappings never overlap: only the one at or below iova can hold it, else the next one up
  private Mapping firstIntersecting(long iova, long last) {
    Map.Entry<Long, Mapping> e = dmas.floorEntry(iova);
    if (e != null && Iova.intersects(e.getKey(), e.getValue().last(), iova, last)) {
      return e.getValue();
    }
    e = dmas.ceilingEntry(iova);
    return e != null && Long.compareUnsigned(e.getKey(), last) <= 0 ? e.getValue() : null;
  }

  private Mapping holding(long address) {
    Map.Entry<Long, Mapping> e = dmas.floorEntry(address);
    return e != null && Long.compareUnsigned(address, e.getValue().last()) <= 0
        ? e.getValue()
        : null;
  }

  private synchronized int unmap(UserArg arg) {
    long minsz = VfioIommuType1DmaUnmap.MINSZ;
    MemorySegment k = arg.copyIn(minsz);
    int flags = VfioIommuType1DmaUnmap.FLAGS.get(k);
    int known =
        VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR;
    KernelError.check(
        VfioIommuType1DmaUnmap.ARGSZ.getUnsigned(k) >= minsz && (flags & ~known) == 0,
        Errno.EINVAL);
    // dirty tracking is never started on this container, so a bitmap request cannot be served
    KernelError.check((flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) == 0, Errno.EINVAL);
    long iova = VfioIommuType1DmaUnmap.IOVA.get(k);
    long size = VfioIommuType1DmaUnmap.SIZE.get(k);
    KernelError.check((iova & (PAGE - 1)) == 0, Errno.EINVAL);
    long last;
    boolean all = (flags & VFIO_DMA_UNMAP_FLAG_ALL) != 0;
    if (all) {
      KernelError.check(iova == 0 && size == 0, Errno.EINVAL);
      last = -1L;
    } else {
      KernelError.check(size != 0 && (size & (PAGE - 1)) == 0, Errno.EINVAL);
      KernelError.check(!Iova.addOverflows(iova, size - 1), Errno.EOVERFLOW);
      last = iova + size - 1;
      if (v2) {
        // v2 refuses to split a mapping: none may start below iova or end past last
        Mapping atStart = holding(iova);
        Mapping atEnd = holding(last);
        KernelError.check(
            (atStart == null || atStart.iova() == iova)
                && (atEnd == null || Long.compareUnsigned(last, atEnd.last()) >= 0),
            Errno.EINVAL);
      }
    }
    boolean vaddrOnly = (flags & VFIO_DMA_UNMAP_FLAG_VADDR) != 0;
    List<Mapping> hit = new ArrayList<>();
    Mapping below = holding(iova);
    if (below != null && Long.compareUnsigned(below.iova(), iova) < 0) {
      if (!v2) {
        // v1 unmaps nothing when the range starts inside a mapping
        VfioIommuType1DmaUnmap.SIZE.set(k, 0);
        arg.copyOut(k, minsz);
        return 0;
      }
      hit.add(below);
    }
    hit.addAll(dmas.subMap(iova, true, last, true).values());
    if (vaddrOnly && hit.stream().anyMatch(m -> !m.vaddrValid())) {
      throw new KernelError(Errno.EINVAL, "vaddr already invalidated");
    }
    long unmapped = 0;
    for (Mapping m : hit) {
      if (vaddrOnly) {
        dmas.put(m.iova(), new Mapping(m.iova(), m.size(), m.vaddr(), m.flags(), false));
      } else {
        dmas.remove(m.iova());
      }
      unmapped += m.size();
    }
    VfioIommuType1DmaUnmap.SIZE.set(k, unmapped);
    arg.copyOut(k, minsz);
    return 0;
  }
}
