package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Seeded random sequences of IOAS_MAP (fixed and kernel-chosen) and IOAS_UNMAP on an IOAS without a
 * domain, checked against an independent model of Linux's io_pagetable: first-fit IOVA allocation
 * from 0x1000 keeping the user VA's alignment and page offset, EEXIST overlaps, and whole-mapping
 * unmaps with ENOENT for splits.
 */
class IoasRandomOpsTest {
  private static final long WINDOW_FIRST = 0x1000;
  private static final long WINDOW_LAST = -1L - 0x1000;
  private static final long MAX_ALIGNMENT = 2L << 20;

  /** Mappings by start, unsigned order: start to last. */
  private final TreeMap<Long, Long> model = new TreeMap<>(Long::compareUnsigned);

  private static boolean lt(long a, long b) {
    return Long.compareUnsigned(a, b) < 0;
  }

  private static boolean le(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0;
  }

  private boolean overlaps(long start, long last) {
    for (var e : model.entrySet()) {
      if (le(e.getKey(), last) && le(start, e.getValue())) {
        return true;
      }
    }
    return false;
  }

  /** The hole check of iopt_alloc_iova: aligned start with the page offset OR-ed in. */
  private static Long tryHole(long start, long last, long align, long pageOffset, long length) {
    long aligned = start + (align - 1);
    if (lt(aligned, start)) {
      return null;
    }
    aligned &= ~(align - 1);
    aligned |= pageOffset;
    if (!lt(aligned, last) || lt(last - aligned, length - 1)) {
      return null;
    }
    return aligned;
  }

  /** The IOVA Linux chooses, or null for ENOSPC. */
  private Long expectedAuto(long userVa, long length) {
    long align = Long.highestOneBit(length);
    if (align != length) {
      align <<= 1;
    }
    if (userVa != 0 && lt(Long.lowestOneBit(userVa), align)) {
      align = Long.lowestOneBit(userVa);
    }
    if (align >= MAX_ALIGNMENT) {
      align = MAX_ALIGNMENT;
    }
    long pageOffset = Long.remainderUnsigned(userVa, 4096);
    long cur = WINDOW_FIRST;
    for (var e : model.entrySet()) {
      long s = e.getKey();
      long l = e.getValue();
      if (lt(l, cur)) {
        continue;
      }
      if (lt(WINDOW_LAST, s)) {
        break;
      }
      if (lt(cur, s)) {
        Long fit = tryHole(cur, s - 1, align, pageOffset, length);
        if (fit != null) {
          return fit;
        }
      }
      if (l == -1L) {
        return null;
      }
      cur = l + 1;
    }
    if (le(cur, WINDOW_LAST)) {
      return tryHole(cur, WINDOW_LAST, align, pageOffset, length);
    }
    return null;
  }

  /** Linux's unmap of [iova, iova + length): returns bytes or -errno; partial work stays. */
  private long expectedUnmap(long iova, long length) {
    long last = iova + length - 1;
    long total = 0;
    while (true) {
      Long hit = null;
      for (var e : model.entrySet()) {
        if (le(e.getKey(), last) && le(iova, e.getValue())) {
          hit = e.getKey();
          break;
        }
      }
      if (hit == null) {
        break;
      }
      long hitLast = model.get(hit);
      if (lt(hit, iova) || lt(last, hitLast)) {
        return Errno.ENOENT.negative();
      }
      model.remove(hit);
      total += hitLast - hit + 1;
    }
    return total == 0 ? Errno.ENOENT.negative() : total;
  }

  private static long randomLength(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> 1 + rnd.nextInt(0x3000);
      case 1 -> (1 + rnd.nextInt(16)) * 0x1000L;
      case 2 -> 1L << (rnd.nextInt(8) + 12);
      default -> 0x1000L * (1 + rnd.nextInt(3)) + rnd.nextInt(2) * 0x800L;
    };
  }

  private static long randomVa(Random rnd) {
    return switch (rnd.nextInt(7)) {
      case 0 -> 0;
      case 6 -> 1L << (40 + rnd.nextInt(24));
      case 1 -> rnd.nextLong() & 0x7fff_ffff_f000L;
      case 2 -> (rnd.nextLong() & 0x7fff_ffffL) << (12 + rnd.nextInt(12));
      case 3 -> rnd.nextLong() & ~0xfffL; // high half included
      case 4 -> (rnd.nextLong() & 0x7fff_ffff_f000L) + (0x800L >> rnd.nextInt(4));
      default -> rnd.nextLong();
    };
  }

  private List<Long> actualStarts(HostProcess p, int fd, int ioas) {
    return ((Ioas) ctx(p, fd).object(ioas).orElseThrow())
        .table().areas().stream().map(Area::iova).toList();
  }

  @Test
  void randomMapUnmapSequencesMatchTheModel() {
    for (long seed = 1; seed <= 40; seed++) {
      Host host = new Host(DefaultHost.topology());
      HostProcess p = host.process("vmm");
      int fd = openIommufdOk(p);
      int ioas = ioasAllocOk(p, fd);
      model.clear();
      Random rnd = new Random(seed);
      for (int step = 0; step < 150; step++) {
        String where = "seed " + seed + " step " + step;
        int op = rnd.nextInt(10);
        if (op < 4) {
          long va = randomVa(rnd);
          long len = randomLength(rnd);
          MapResult r = map(p, fd, RW, ioas, va, len, rnd.nextLong());
          if (lt(va + len, va)) {
            assertThat(r.ret()).as(where).isEqualTo(Errno.EOVERFLOW.negative());
            continue;
          }
          Long expected = expectedAuto(va, len);
          if (expected == null) {
            assertThat(r.ret()).as(where).isEqualTo(Errno.ENOSPC.negative());
          } else {
            assertThat(r.ret()).as("%s auto va 0x%x len 0x%x", where, va, len).isZero();
            assertThat(r.iova()).as("%s auto va 0x%x len 0x%x", where, va, len).isEqualTo(expected);
            model.put(expected, expected + len - 1);
          }
        } else if (op < 7) {
          long iova = rnd.nextInt(0x80) * 0x1000L + (rnd.nextInt(4) == 0 ? rnd.nextInt(0x1000) : 0);
          long len = randomLength(rnd);
          long va = randomVa(rnd) & 0x7fff_ffff_ffffL;
          int ret = mapFixed(p, fd, ioas, iova, va, len);
          if (overlaps(iova, iova + len - 1)) {
            assertThat(ret).as(where).isEqualTo(Errno.EEXIST.negative());
          } else {
            assertThat(ret).as(where).isZero();
            model.put(iova, iova + len - 1);
          }
        } else if (op < 9) {
          long iova;
          long len;
          if (!model.isEmpty() && rnd.nextBoolean()) {
            List<Long> starts = new ArrayList<>(model.keySet());
            long s = starts.get(rnd.nextInt(starts.size()));
            long below = rnd.nextInt(3) == 0 ? rnd.nextInt(0x2000) : 0;
            iova = lt(s, below) ? 0 : s - below;
            len = model.get(s) - iova + 1 + (rnd.nextBoolean() ? rnd.nextInt(0x20000) : 0);
          } else {
            iova = rnd.nextInt(0x90) * 0x1000L;
            len = rnd.nextInt(0x30000);
          }
          UnmapResult r = unmap(p, fd, ioas, iova, len);
          long expected = len == 0 ? Errno.EINVAL.negative() : expectedUnmap(iova, len);
          if (expected < 0) {
            assertThat(r.ret()).as("%s unmap 0x%x+0x%x", where, iova, len).isEqualTo(expected);
            assertThat(r.length()).as(where).isEqualTo(len);
          } else {
            assertThat(r.ret()).as("%s unmap 0x%x+0x%x", where, iova, len).isZero();
            assertThat(r.length()).as(where).isEqualTo(expected);
          }
        } else {
          long bytes = 0;
          for (var e : model.entrySet()) {
            bytes += e.getValue() - e.getKey() + 1;
          }
          UnmapResult r = unmap(p, fd, ioas, 0, ULONG_MAX);
          assertThat(r.ret()).as(where).isZero();
          assertThat(r.length()).as(where).isEqualTo(bytes);
          model.clear();
        }
        assertThat(actualStarts(p, fd, ioas)).as(where).containsExactlyElementsOf(model.keySet());
      }
      p.close();
    }
  }
}
