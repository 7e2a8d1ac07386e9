package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.UserMemory;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaFault;
import io.jvfio.host.sdk.DmaSpace;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommufdConstants;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The IOVA space of one IOAS (Linux's io_pagetable): mappings, reserved ranges (device regions and
 * the parts outside an attached domain's aperture), allowed ranges, and the alignment attached
 * domains demand. User pages are pinned only while a domain is attached, so an unmapped {@code
 * user_va} is found at MAP time only then, and otherwise at attach.
 *
 * <p>The owning process changes the table under the host lock; device threads translate IOVAs for
 * DMA at any time. So the mappings are also guarded by a read-write lock: changes to them take the
 * write side, a DMA holds the read side while it copies (an unmap waits for it, as it waits for a
 * pinned page).
 */
public final class IoPageTable {
  /** Largest alignment an automatic IOVA is given (2 MiB huge pages on x86). */
  static final long MAX_ALIGNMENT = 2L << 20;

  private record Reserved(long start, long last, Object owner) {}

  private final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
  // few entries (one per attached device or domain); reservedSpans is their union
  private final List<Reserved> reserved = new ArrayList<>();
  private final IovaSpans reservedSpans = new IovaSpans();
  private AllowedRanges allowed = AllowedRanges.NONE;
  // the holes an automatic IOVA may take: allocator windows minus mappings and reserved ranges;
  // rebuilt on the next automatic MAP after the windows or the reserved ranges change
  private final IovaSpans windows = new IovaSpans();
  private final IovaSpans free = new IovaSpans();
  private boolean freeValid;
  private int domains;
  private boolean hugePages = true;
  private final ReentrantReadWriteLock dmaLock = new ReentrantReadWriteLock();
  private final Consumer<Area> onUnmap;

  public IoPageTable() {
    this(a -> {});
  }

  /** {@code onUnmap} sees every mapping (or piece) as it goes. */
  IoPageTable(Consumer<Area> onUnmap) {
    this.onUnmap = onUnmap;
  }

  public List<Area> areas() {
    return List.copyOf(areas.values());
  }

  public long iovaAlignment() {
    return domains > 0 || !hugePages ? Iova.PAGE_SIZE : 1;
  }

  public boolean hugePages() {
    return hugePages;
  }

  /**
   * IOMMU_OPTION_HUGE_PAGES: turning them off forces page alignment, so it needs every mapping page
   * aligned (EADDRINUSE) and is refused while a domain holds mappings (EINVAL).
   */
  public void setHugePages(boolean enable) {
    if (!enable && hugePages) {
      KernelError.check(domains == 0 || areas.isEmpty(), Errno.EINVAL);
      for (Area a : areas.values()) {
        if (a.iova() % Iova.PAGE_SIZE != 0
            || a.length() % Iova.PAGE_SIZE != 0
            || a.userVa() % Iova.PAGE_SIZE != 0) {
          throw new KernelError(Errno.EADDRINUSE, "a mapping is not page aligned");
        }
      }
    }
    hugePages = enable;
  }

  public int domainCount() {
    return domains;
  }

  /** Holes of the reserved ranges over the whole u64 space (what IOVA_RANGES reports). */
  public List<IovaRange> usableRanges() {
    List<IovaRange> holes = new ArrayList<>();
    long next = 0;
    for (Map.Entry<Long, Long> r : reservedSpans.spans()) {
      if (Iova.lt(next, r.getKey())) {
        holes.add(new IovaRange(next, r.getKey() - 1));
      }
      if (r.getValue() == Iova.ULONG_MAX) {
        return holes;
      }
      next = r.getValue() + 1;
    }
    holes.add(new IovaRange(next, Iova.ULONG_MAX));
    return holes;
  }

  /**
   * Maps {@code length} bytes at {@code userVa}; with {@code fixedIova} null the kernel chooses the
   * IOVA. Returns the IOVA used.
   */
  public long map(Long fixedIova, long userVa, long length, int prot, UserMemory memory) {
    long align = iovaAlignment();
    KernelError.check(Long.remainderUnsigned(length, align) == 0, Errno.EINVAL);
    long iova;
    if (fixedIova == null) {
      iova = allocIova(userVa, length);
    } else {
      iova = fixedIova;
      KernelError.check(Long.remainderUnsigned(iova, align) == 0, Errno.EINVAL);
      if (Iova.addOverflows(iova, length - 1)) {
        throw new KernelError(Errno.EOVERFLOW);
      }
      long last = iova + length - 1;
      if (reservedSpans.intersects(iova, last)) {
        throw new KernelError(Errno.EINVAL, "IOVA range overlaps a reserved range");
      }
      if (overlapsArea(iova, last)) {
        throw new KernelError(Errno.EEXIST, "IOVA range already mapped");
      }
    }
    KernelError.check(Long.remainderUnsigned(userVa % Iova.PAGE_SIZE, align) == 0, Errno.EINVAL);
    if (domains > 0 && !memory.isPinnable(userVa, length, writeable(prot))) {
      throw new KernelError(Errno.EFAULT, "user_va is not mapped (writable) memory of the process");
    }
    dmaLock.writeLock().lock();
    try {
      areas.put(iova, new Area(iova, length, userVa, prot, memory));
    } finally {
      dmaLock.writeLock().unlock();
    }
    if (freeValid) {
      free.remove(iova, iova + length - 1);
    }
    return iova;
  }

  private boolean overlapsArea(long start, long last) {
    Map.Entry<Long, Area> below = areas.floorEntry(last);
    return below != null && Iova.le(start, below.getValue().last());
  }

  /** The allocator windows (allowed ranges, or everything, inside one page from either end). */
  private void rebuildFree() {
    long lo = Iova.PAGE_SIZE;
    long hi = Iova.ULONG_MAX - Iova.PAGE_SIZE;
    windows.clear();
    if (allowed.isEmpty()) {
      windows.add(lo, hi);
    } else {
      // adjacent allowed ranges merge into one window: the allocator walks them as one span
      allowed.forEachSorted((start, last) -> {
        long s = Iova.lt(start, lo) ? lo : start;
        long l = Iova.lt(hi, last) ? hi : last;
        if (Iova.le(s, l)) {
          windows.add(s, l);
        }
      });
    }
    free.clear();
    for (Map.Entry<Long, Long> w : windows.spans()) {
      free.add(w.getKey(), w.getValue());
    }
    for (Area a : areas.values()) {
      free.remove(a.iova(), a.last());
    }
    for (Map.Entry<Long, Long> r : reservedSpans.spans()) {
      free.remove(r.getKey(), r.getValue());
    }
    freeValid = true;
  }

  /** Gives an unmapped mapping's IOVAs back to the holes (mappings never overlap reserved ones). */
  private void release(Area a) {
    if (freeValid) {
      windows.forEachWithin(a.iova(), a.last(), free::add);
    }
  }

  private long allocIova(long userVa, long length) {
    if (length == 0 || !Iova.lt(length, Iova.ULONG_MAX >>> 1)) {
      throw new KernelError(Errno.EOVERFLOW);
    }
    long pageOffset = Long.remainderUnsigned(userVa, Iova.PAGE_SIZE);
    long align = Iova.roundupPowerOfTwo(length);
    if (userVa != 0 && Iova.lt(Long.lowestOneBit(userVa), align)) {
      align = Long.lowestOneBit(userVa); // unsigned: bit 63 of user_va is a valid alignment
    }
    if (align >= MAX_ALIGNMENT) {
      align = MAX_ALIGNMENT;
    }
    KernelError.check(align >= iovaAlignment(), Errno.EINVAL);
    if (!freeValid) {
      rebuildFree();
    }
    // first fit over the holes in address order; a hole shorter than the length cannot fit, and
    // fit() also wants the start strictly below the end
    long minSpan = length - 1 == 0 ? 1 : length - 1;
    for (Map.Entry<Long, Long> hole : free.spans()) {
      long start = hole.getKey();
      long last = hole.getValue();
      if (Iova.lt(last - start, minSpan)) {
        continue;
      }
      Long fit = fit(start, last, align, pageOffset, length);
      if (fit != null) {
        return fit;
      }
    }
    throw new KernelError(Errno.ENOSPC, "no free IOVA range fits");
  }

  private static Long fit(long start, long last, long align, long pageOffset, long length) {
    long rem = Long.remainderUnsigned(start, align);
    long s = rem == 0 ? start : start + (align - rem);
    if (rem != 0 && Iova.lt(s, start)) {
      return null;
    }
    s |= pageOffset;
    if (Iova.lt(s, last) && !Iova.lt(last - s, length - 1)) {
      return s;
    }
    return null;
  }

  /**
   * Splits the mapping holding {@code last} so that one piece ends there (iopt_cut_iova); nothing
   * to do when no mapping holds it or one already ends there. The new start must suit the IOVA
   * alignment, else EINVAL.
   */
  public void cut(long last) {
    Map.Entry<Long, Area> e = areas.floorEntry(last);
    if (e == null || !Iova.lt(last, e.getValue().last())) {
      return;
    }
    Area a = e.getValue();
    long start = last + 1;
    KernelError.check(Long.remainderUnsigned(start, iovaAlignment()) == 0, Errno.EINVAL);
    long head = start - a.iova();
    dmaLock.writeLock().lock();
    try {
      areas.put(a.iova(), new Area(a.iova(), head, a.userVa(), a.prot(), a.memory()));
      areas.put(start, new Area(start, a.length() - head, a.userVa() + head, a.prot(), a.memory()));
    } finally {
      dmaLock.writeLock().unlock();
    }
  }

  /** Removes every mapping; returns the bytes unmapped. */
  public long unmapAll() {
    long total = 0;
    List<Area> gone = List.copyOf(areas.values());
    dmaLock.writeLock().lock();
    try {
      areas.clear();
    } finally {
      dmaLock.writeLock().unlock();
    }
    // after the removal: no DMA can reach them now, so no dirty bit comes back
    for (Area a : gone) {
      total += a.length();
      onUnmap.accept(a);
    }
    freeValid = false;
    return total;
  }

  /**
   * Removes the mappings inside {@code [iova, iova + length)}. A mapping that sticks out stops the
   * walk with ENOENT; whole mappings removed before it stay removed, as in Linux, and {@code bytes}
   * counts them either way.
   */
  public Unmapped unmap(long iova, long length) {
    long last = iova + length - 1;
    long total = 0;
    Map.Entry<Long, Area> below = areas.floorEntry(iova);
    Long from = below != null && Iova.le(iova, below.getValue().last()) ? below.getKey() : iova;
    while (true) {
      Map.Entry<Long, Area> e = areas.ceilingEntry(from);
      if (e == null || Iova.lt(last, e.getKey())) {
        return new Unmapped(total, null);
      }
      Area hit = e.getValue();
      if (Iova.lt(hit.iova(), iova) || Iova.lt(last, hit.last())) {
        return new Unmapped(total, Errno.ENOENT);
      }
      dmaLock.writeLock().lock();
      try {
        areas.remove(hit.iova());
      } finally {
        dmaLock.writeLock().unlock();
      }
      onUnmap.accept(hit);
      release(hit);
      total += hit.length();
      from = hit.iova();
    }
  }

  /** What an unmap removed, and the error that stopped it (null when none). */
  public record Unmapped(long bytes, Errno error) {}

  /** Reserves {@code [start, last]}; EADDRINUSE when it hits a mapping or an allowed range. */
  public void reserve(long start, long last, Object owner) {
    if (overlapsArea(start, last)) {
      throw new KernelError(Errno.EADDRINUSE, "reserved region overlaps a mapping");
    }
    if (allowed.intersects(start, last)) {
      throw new KernelError(Errno.EADDRINUSE, "reserved region overlaps an allowed range");
    }
    reserved.add(new Reserved(start, last, owner));
    reservedSpans.add(start, last);
    if (freeValid) {
      free.remove(start, last);
    }
  }

  public void unreserve(Object owner) {
    if (reserved.removeIf(r -> r.owner() == owner)) {
      reservedSpans.clear();
      reserved.forEach(r -> reservedSpans.add(r.start(), r.last()));
      freeValid = false;
    }
  }

  /** Replaces the allowed ranges; EADDRINUSE (old set kept) when one hits a reserved range. */
  void setAllowed(AllowedRanges ranges) {
    if (!reservedSpans.isEmpty()) {
      for (IovaRange r : ranges.inOrder()) {
        if (reservedSpans.intersects(r.start(), r.last())) {
          throw new KernelError(Errno.EADDRINUSE, "allowed range overlaps a reserved range");
        }
      }
    }
    allowed = ranges;
    freeValid = false;
  }

  public List<IovaRange> allowed() {
    return List.copyOf(allowed.inOrder());
  }

  /**
   * Adds a paging domain covering {@code [0, apertureLast]}: existing mappings must suit the
   * page-size alignment (EADDRINUSE), the space above the aperture is reserved, and every mapping
   * is pinned (EFAULT for memory the process never mapped). Undone completely on failure.
   */
  public void addDomain(Object domain, long apertureLast) {
    if (iovaAlignment() < Iova.PAGE_SIZE) {
      for (Area a : areas.values()) {
        if (a.iova() % Iova.PAGE_SIZE != 0
            || a.length() % Iova.PAGE_SIZE != 0
            || a.userVa() % Iova.PAGE_SIZE != 0) {
          throw new KernelError(Errno.EADDRINUSE, "a mapping is not page aligned");
        }
      }
    }
    if (apertureLast != Iova.ULONG_MAX) {
      reserve(apertureLast + 1, Iova.ULONG_MAX, domain);
    }
    for (Area a : areas.values()) {
      if (!a.memory().isPinnable(a.userVa(), a.length(), writeable(a.prot()))) {
        unreserve(domain);
        throw new KernelError(Errno.EFAULT, "a mapping's user_va is not mapped (writable) memory");
      }
    }
    domains++;
  }

  // a device may write through the mapping, so its pages are pinned for write (FOLL_WRITE), which
  // a read-only mapping refuses
  private static boolean writeable(int prot) {
    return (prot & IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE) != 0;
  }

  /** The mapping holding {@code iova}, or null. */
  public Area areaAt(long iova) {
    Map.Entry<Long, Area> e = areas.floorEntry(iova);
    return e != null && Iova.le(iova, e.getValue().last()) ? e.getValue() : null;
  }

  /**
   * A device's DMA of {@code [iova, iova + length)} ({@code length > 0}): checks every mapping it
   * crosses for presence and permission, then hands the process memory behind each piece to {@code
   * piece}, under the read side of the lock. Throws {@link DmaFault} having handed over nothing.
   */
  public void access(long iova, long length, boolean write, DmaSpace.Piece piece) {
    access(iova, length, write, piece, null);
  }

  /** As above; {@code landed} runs after the copy, before an unmap can remove the mappings. */
  public void access(long iova, long length, boolean write, DmaSpace.Piece piece, Runnable landed) {
    dmaLock.readLock().lock();
    try {
      if (Iova.addOverflows(iova, length - 1)) {
        throw new DmaFault(DmaFault.Reason.UNMAPPED, iova, length);
      }
      long last = iova + length - 1;
      List<Area> path = new ArrayList<>();
      long cur = iova;
      while (true) {
        Area a = areaAt(cur);
        if (a == null) {
          throw new DmaFault(DmaFault.Reason.UNMAPPED, iova, length);
        }
        int need =
            write
                ? IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE
                : IommufdConstants.IOMMU_IOAS_MAP_READABLE;
        if ((a.prot() & need) == 0) {
          throw new DmaFault(
              write ? DmaFault.Reason.READ_ONLY : DmaFault.Reason.WRITE_ONLY, iova, length);
        }
        path.add(a);
        if (!Iova.lt(a.last(), last)) {
          break;
        }
        cur = a.last() + 1;
      }
      List<java.lang.foreign.MemorySegment> pieces = new ArrayList<>(path.size());
      cur = iova;
      for (Area a : path) {
        long end = Iova.lt(a.last(), last) ? a.last() : last;
        long n = end - cur + 1;
        long va = a.userVa() + (cur - a.iova());
        if (!a.memory().isPinnable(va, n, write)) {
          throw new DmaFault(DmaFault.Reason.NO_MEMORY, iova, length);
        }
        pieces.add(a.memory().resolve(va, n));
        cur = end + 1;
      }
      long at = 0;
      for (java.lang.foreign.MemorySegment m : pieces) {
        piece.accept(at, m);
        at += m.byteSize();
      }
      if (landed != null) {
        landed.run();
      }
    } finally {
      dmaLock.readLock().unlock();
    }
  }

  /** The mappings a device may write, in IOVA order. */
  public List<Dma.Range> writableRanges() {
    dmaLock.readLock().lock();
    try {
      List<Dma.Range> out = new ArrayList<>();
      for (Area a : areas.values()) {
        if (writeable(a.prot())) {
          out.add(new Dma.Range(a.iova(), a.length()));
        }
      }
      return out;
    } finally {
      dmaLock.readLock().unlock();
    }
  }

  public void removeDomain(Object domain) {
    unreserve(domain);
    domains--;
  }
}
