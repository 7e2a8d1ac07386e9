package io.jvfio.host.iommufd;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.UserMemory;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Seeded random operations on {@link IoPageTable} (interval maps and a cached hole index) and on
 * {@link ReferencePageTable} (lists scanned per call): every result, errno, mapping, usable range
 * and allowed range must agree after every step. IOVAs stay in a small space so that fixed maps,
 * reserved ranges, allowed windows and automatic maps keep colliding.
 */
class IoPageTableModelTest {
  private static final long SPACE = 0x200000; // IOVAs of fixed maps, reservations and windows

  private record Outcome(Object value, Errno errno) {}

  private static Outcome run(Supplier<Object> op) {
    try {
      return new Outcome(op.get(), null);
    } catch (KernelError e) {
      return new Outcome(null, e.errno());
    }
  }

  private static long pages(Random rnd, int max) {
    return (1 + rnd.nextInt(max)) * Iova.PAGE_SIZE;
  }

  private static long length(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> 1 + rnd.nextInt(0x3000);
      case 1 -> pages(rnd, 16);
      case 2 -> 1L << (12 + rnd.nextInt(10));
      default -> pages(rnd, 3) + rnd.nextInt(2) * 0x800L;
    };
  }

  private static long iova(Random rnd) {
    long page = rnd.nextLong(SPACE / Iova.PAGE_SIZE) * Iova.PAGE_SIZE;
    return rnd.nextInt(5) == 0 ? page + rnd.nextInt(0x1000) : page;
  }

  /** Disjoint ranges in random order, sometimes adjacent, sometimes reaching the space's ends. */
  private static List<IovaRange> allowedRanges(Random rnd) {
    List<IovaRange> out = new ArrayList<>();
    long at = rnd.nextInt(3) == 0 ? 0 : iova(rnd) / 4;
    int n = rnd.nextInt(6);
    for (int i = 0; i < n && Iova.lt(at, SPACE); i++) {
      long last = at + pages(rnd, 24) - 1 - (rnd.nextInt(4) == 0 ? 0x800 : 0);
      out.add(new IovaRange(at, last));
      at = last + 1 + (rnd.nextBoolean() ? 0 : pages(rnd, 8));
    }
    if (rnd.nextInt(8) == 0) {
      out.add(new IovaRange(Iova.ULONG_MAX - 0x3000, Iova.ULONG_MAX));
    }
    java.util.Collections.shuffle(out, rnd);
    return out;
  }

  @Test
  void randomOperationsMatchTheReferenceTable() {
    try (UserMemory memory = new UserMemory()) {
      long base = memory.map(SPACE * 4, 2L << 20).address();
      Object[] owners = {"dev-a", "dev-b", "dev-c"};
      for (long seed = 1; seed <= 40; seed++) {
        Random rnd = new Random(seed);
        IoPageTable table = new IoPageTable();
        ReferencePageTable model = new ReferencePageTable();
        List<Object> domains = new ArrayList<>();
        for (int step = 0; step < 300; step++) {
          String where = "seed " + seed + " step " + step;
          Outcome got;
          Outcome want;
          int op = rnd.nextInt(100);
          if (op < 30) {
            long va =
                rnd.nextInt(4) == 0 ? rnd.nextLong() : base + iova(rnd) + rnd.nextInt(2) * 0x800;
            long len = length(rnd);
            got = run(() -> table.map(null, va, len, 3, memory));
            want = run(() -> model.map(null, va, len, 3, memory));
          } else if (op < 50) {
            long at = iova(rnd);
            long va = base + iova(rnd);
            long len = length(rnd);
            got = run(() -> table.map(at, va, len, 3, memory));
            want = run(() -> model.map(at, va, len, 3, memory));
          } else if (op < 65) {
            long at = iova(rnd);
            long len = rnd.nextInt(4) == 0 ? pages(rnd, 64) : length(rnd);
            got =
                run(() -> {
                  IoPageTable.Unmapped u = table.unmap(at, len);
                  return List.of(u.bytes(), String.valueOf(u.error()));
                });
            want =
                run(() -> {
                  ReferencePageTable.Unmapped u = model.unmap(at, len);
                  return List.of(u.bytes(), String.valueOf(u.error()));
                });
          } else if (op < 68) {
            got = run(table::unmapAll);
            want = run(model::unmapAll);
          } else if (op < 72) {
            long at = iova(rnd) - 1;
            got =
                run(() -> {
                  table.cut(at);
                  return null;
                });
            want =
                run(() -> {
                  model.cut(at);
                  return null;
                });
          } else if (op < 78) {
            List<IovaRange> ranges = allowedRanges(rnd);
            AllowedRanges.Builder b = new AllowedRanges.Builder();
            ranges.forEach(r -> assertThat(b.add(r.start(), r.last())).isTrue());
            got =
                run(() -> {
                  table.setAllowed(b.build());
                  return null;
                });
            want =
                run(() -> {
                  model.setAllowed(ranges);
                  return null;
                });
          } else if (op < 85) {
            Object owner = owners[rnd.nextInt(owners.length)];
            long start = iova(rnd) & -Iova.PAGE_SIZE;
            long last = start + pages(rnd, 8) - 1;
            got =
                run(() -> {
                  table.reserve(start, last, owner);
                  return null;
                });
            want =
                run(() -> {
                  model.reserve(start, last, owner);
                  return null;
                });
          } else if (op < 89) {
            Object owner = owners[rnd.nextInt(owners.length)];
            got =
                run(() -> {
                  table.unreserve(owner);
                  return null;
                });
            want =
                run(() -> {
                  model.unreserve(owner);
                  return null;
                });
          } else if (op < 93) {
            Object domain = new Object();
            long aperture = rnd.nextBoolean() ? Iova.ULONG_MAX : SPACE - 1 + iova(rnd);
            got =
                run(() -> {
                  table.addDomain(domain, aperture);
                  return null;
                });
            want =
                run(() -> {
                  model.addDomain(domain, aperture);
                  return null;
                });
            if (want.errno() == null) {
              domains.add(domain);
            }
          } else if (op < 97) {
            if (domains.isEmpty()) {
              continue;
            }
            Object domain = domains.remove(rnd.nextInt(domains.size()));
            got =
                run(() -> {
                  table.removeDomain(domain);
                  return null;
                });
            want =
                run(() -> {
                  model.removeDomain(domain);
                  return null;
                });
          } else {
            boolean on = rnd.nextBoolean();
            got =
                run(() -> {
                  table.setHugePages(on);
                  return null;
                });
            want =
                run(() -> {
                  model.setHugePages(on);
                  return null;
                });
          }
          assertThat(got).as(where).isEqualTo(want);
          assertThat(table.areas()).as(where).isEqualTo(model.areas());
          assertThat(table.usableRanges()).as(where).isEqualTo(model.usableRanges());
          assertThat(table.allowed()).as(where).isEqualTo(model.allowed());
          assertThat(table.iovaAlignment()).as(where).isEqualTo(model.iovaAlignment());
        }
      }
    }
  }

  @Test
  void allowedRangesRefuseExactlyTheOverlappingOnes() {
    for (long seed = 1; seed <= 200; seed++) {
      Random rnd = new Random(seed);
      AllowedRanges.Builder b = new AllowedRanges.Builder();
      List<IovaRange> kept = new ArrayList<>();
      boolean ascending = rnd.nextBoolean();
      long at = 0;
      for (int i = 0; i < 40; i++) {
        long start = ascending && rnd.nextInt(6) != 0 ? at + rnd.nextInt(0x40) : rnd.nextInt(0x800);
        long last = start + 1 + rnd.nextInt(0x30);
        at = last + 1;
        boolean overlaps = kept.stream().anyMatch(r -> r.intersects(start, last));
        assertThat(b.add(start, last)).as("seed %d range %d", seed, i).isEqualTo(!overlaps);
        if (!overlaps) {
          kept.add(new IovaRange(start, last));
        }
      }
      AllowedRanges built = b.build();
      assertThat(built.inOrder()).containsExactlyElementsOf(kept);
      for (int q = 0; q < 200; q++) {
        long s = rnd.nextInt(0x900);
        long l = s + rnd.nextInt(0x20);
        assertThat(built.intersects(s, l))
            .as("seed %d query [%x, %x]", seed, s, l)
            .isEqualTo(kept.stream().anyMatch(r -> r.intersects(s, l)));
      }
    }
  }
}
