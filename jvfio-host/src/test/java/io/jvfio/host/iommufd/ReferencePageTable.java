package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.UserMemory;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The straightforward IoPageTable this package had before its interval structures (lists scanned
 * and sorted per call), kept as the model IoPageTableModelTest compares against. The IOVA space of
 * one IOAS: mappings, reserved ranges (device regions and the parts outside an attached domain's
 * aperture), allowed ranges, and the alignment attached domains demand. User pages are pinned only
 * while a domain is attached, so an unmapped {@code user_va} is found at MAP time only then, and
 * otherwise at attach.
 */
final class ReferencePageTable {
  /** Largest alignment an automatic IOVA is given (2 MiB huge pages on x86). */
  static final long MAX_ALIGNMENT = 2L << 20;

  private record Reserved(long start, long last, Object owner) {}

  private final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
  private final List<Reserved> reserved = new ArrayList<>();
  private final List<IovaRange> allowed = new ArrayList<>();
  private int domains;
  private boolean hugePages = true;

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
    boolean done = false;
    List<Reserved> sorted = new ArrayList<>(reserved);
    sorted.sort(Comparator.comparing(Reserved::start, Long::compareUnsigned));
    for (Reserved r : sorted) {
      if (done) {
        break;
      }
      if (Iova.lt(next, r.start())) {
        holes.add(new IovaRange(next, r.start() - 1));
      }
      if (!Iova.lt(r.last(), next)) {
        if (r.last() == Iova.ULONG_MAX) {
          done = true;
        } else {
          next = r.last() + 1;
        }
      }
    }
    if (!done) {
      holes.add(new IovaRange(next, Iova.ULONG_MAX));
    }
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
      for (Reserved r : reserved) {
        if (Iova.intersects(r.start(), r.last(), iova, last)) {
          throw new KernelError(Errno.EINVAL, "IOVA range overlaps a reserved range");
        }
      }
      if (overlapsArea(iova, last)) {
        throw new KernelError(Errno.EEXIST, "IOVA range already mapped");
      }
    }
    KernelError.check(Long.remainderUnsigned(userVa % Iova.PAGE_SIZE, align) == 0, Errno.EINVAL);
    if (domains > 0 && !memory.isMapped(userVa, length)) {
      throw new KernelError(Errno.EFAULT, "user_va is not mapped memory of the process");
    }
    areas.put(iova, new Area(iova, length, userVa, prot, memory));
    return iova;
  }

  private boolean overlapsArea(long start, long last) {
    for (Area a : areas.values()) {
      if (Iova.intersects(a.iova(), a.last(), start, last)) {
        return true;
      }
    }
    return false;
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
    List<IovaRange> windows = new ArrayList<>();
    long lo = Iova.PAGE_SIZE;
    long hi = Iova.ULONG_MAX - Iova.PAGE_SIZE;
    if (allowed.isEmpty()) {
      windows.add(new IovaRange(lo, hi));
    } else {
      for (IovaRange r : allowed) {
        long s = Iova.lt(r.start(), lo) ? lo : r.start();
        long l = Iova.lt(hi, r.last()) ? hi : r.last();
        if (Iova.le(s, l)) {
          windows.add(new IovaRange(s, l));
        }
      }
      windows.sort(Comparator.comparing(IovaRange::start, Long::compareUnsigned));
      // the allowed tree is walked in spans: adjacent ranges form one window
      List<IovaRange> merged = new ArrayList<>();
      for (IovaRange w : windows) {
        IovaRange prev = merged.isEmpty() ? null : merged.getLast();
        if (prev != null && !Iova.lt(prev.last() + 1, w.start())) {
          merged.set(
              merged.size() - 1,
              new IovaRange(prev.start(), Iova.lt(prev.last(), w.last()) ? w.last() : prev.last()));
        } else {
          merged.add(w);
        }
      }
      windows = merged;
    }
    List<IovaRange> used = new ArrayList<>();
    reserved.forEach(r -> used.add(new IovaRange(r.start(), r.last())));
    areas.values().forEach(a -> used.add(new IovaRange(a.iova(), a.last())));
    used.sort(Comparator.comparing(IovaRange::start, Long::compareUnsigned));
    for (IovaRange w : windows) {
      long gapStart = w.start();
      for (IovaRange u : used) {
        if (Iova.lt(u.last(), gapStart) || Iova.lt(w.last(), u.start())) {
          continue;
        }
        if (Iova.lt(gapStart, u.start())) {
          Long fit = fit(gapStart, u.start() - 1, align, pageOffset, length);
          if (fit != null) {
            return fit;
          }
        }
        if (u.last() == Iova.ULONG_MAX) {
          gapStart = Iova.ULONG_MAX;
          break;
        }
        gapStart = Iova.lt(gapStart, u.last() + 1) ? u.last() + 1 : gapStart;
      }
      if (Iova.le(gapStart, w.last())) {
        Long fit = fit(gapStart, w.last(), align, pageOffset, length);
        if (fit != null) {
          return fit;
        }
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
    for (Area a : areas.values()) {
      if (Iova.le(a.iova(), last) && Iova.lt(last, a.last())) {
        long start = last + 1;
        KernelError.check(Long.remainderUnsigned(start, iovaAlignment()) == 0, Errno.EINVAL);
        long head = start - a.iova();
        areas.put(a.iova(), new Area(a.iova(), head, a.userVa(), a.prot(), a.memory()));
        areas.put(
            start, new Area(start, a.length() - head, a.userVa() + head, a.prot(), a.memory()));
        return;
      }
    }
  }

  /** Removes every mapping; returns the bytes unmapped. */
  public long unmapAll() {
    long total = 0;
    for (Area a : areas.values()) {
      total += a.length();
    }
    areas.clear();
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
    while (true) {
      Area hit = null;
      for (Area a : areas.values()) {
        if (Iova.intersects(a.iova(), a.last(), iova, last)) {
          hit = a;
          break;
        }
      }
      if (hit == null) {
        return new Unmapped(total, null);
      }
      if (Iova.lt(hit.iova(), iova) || Iova.lt(last, hit.last())) {
        return new Unmapped(total, Errno.ENOENT);
      }
      areas.remove(hit.iova());
      total += hit.length();
    }
  }

  /** What an unmap removed, and the error that stopped it (null when none). */
  public record Unmapped(long bytes, Errno error) {}

  /** Reserves {@code [start, last]}; EADDRINUSE when it hits a mapping or an allowed range. */
  public void reserve(long start, long last, Object owner) {
    if (overlapsArea(start, last)) {
      throw new KernelError(Errno.EADDRINUSE, "reserved region overlaps a mapping");
    }
    for (IovaRange r : allowed) {
      if (r.intersects(start, last)) {
        throw new KernelError(Errno.EADDRINUSE, "reserved region overlaps an allowed range");
      }
    }
    reserved.add(new Reserved(start, last, owner));
  }

  public void unreserve(Object owner) {
    reserved.removeIf(r -> r.owner() == owner);
  }

  /** Replaces the allowed ranges; EADDRINUSE (old set kept) when one hits a reserved range. */
  public void setAllowed(List<IovaRange> ranges) {
    for (IovaRange r : ranges) {
      for (Reserved res : reserved) {
        if (r.intersects(res.start(), res.last())) {
          throw new KernelError(Errno.EADDRINUSE, "allowed range overlaps a reserved range");
        }
      }
    }
    allowed.clear();
    allowed.addAll(ranges);
  }

  public List<IovaRange> allowed() {
    return List.copyOf(allowed);
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
      if (!a.memory().isMapped(a.userVa(), a.length())) {
        unreserve(domain);
        throw new KernelError(Errno.EFAULT, "a mapping's user_va is not mapped memory");
      }
    }
    domains++;
  }

  public void removeDomain(Object domain) {
    unreserve(domain);
    domains--;
  }
}
