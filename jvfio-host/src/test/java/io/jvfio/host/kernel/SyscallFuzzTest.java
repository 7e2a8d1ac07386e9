package io.jvfio.host.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.migration.TestMigrationModel;
import io.jvfio.host.testkit.Cdev;
import io.jvfio.host.testkit.Iommufd;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Seeded random calls across the whole {@code Syscalls} surface of {@link HostProcess} (and {@code
 * passFd}): whatever the caller gives, the answer is a result or an errno Linux knows, never an
 * exception, and the host still shuts down cleanly afterwards.
 */
class SyscallFuzzTest {
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final int CALLS = 3000;

  private static final List<Long> REQUESTS = requests();

  private static List<Long> requests() {
    List<Long> r = new ArrayList<>();
    for (Class<?> c : List.of(VfioIoctls.class, IommufdIoctls.class)) {
      for (Field f : c.getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
          try {
            r.add(f.getLong(null));
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return r;
  }

  /** The exceptions seen, by kind, with the first call that raised each. */
  private final TreeMap<String, String> escaped = new TreeMap<>();

  private final class Run {
    final Random rnd;
    final Host host;
    final Host other;
    final HostProcess p;
    final HostProcess peer;
    final HostProcess gone;
    final HostProcess stranger;
    final List<String> paths;
    final MemorySegment mapped;
    // adopted memory the kernel may only read, and adopted memory whose arena closed since
    final MemorySegment readOnly;
    final MemorySegment unmapped;
    final Arena closed = Arena.ofShared();
    final MemorySegment dead;

    Run(long seed, Host host) {
      this.rnd = new Random(seed);
      this.host = host;
      this.other = new Host(DefaultHost.topology());
      this.p = host.process("fuzz");
      this.peer = host.process("peer");
      this.gone = host.process("gone");
      this.stranger = other.process("stranger");
      gone.close();
      this.paths = new ArrayList<>(host.deviceNodes());
      this.mapped = p.memory().map(1 << 16);
      this.dead = closed.allocate(256);
      this.readOnly = p.memory().adopt(Arena.ofAuto().allocate(1 << 14, 4096).asReadOnly());
      this.unmapped = p.memory().adopt(closed.allocate(1 << 14, 4096));
      closed.close();
      // some files in useful states: a bound and attached cdev, a legacy group in a container
      int ictx = Iommufd.openIommufdOk(p);
      int ioas = Iommufd.ioasAllocOk(p, ictx);
      String cdev = host.vfio().devices().getFirst().cdevPath();
      int dev = Kit.openOk(p, cdev);
      Cdev.bindOk(p, dev, ictx);
      Cdev.attach(p, dev, ioas);
    }

    int fd() {
      return switch (rnd.nextInt(10)) {
        case 0 -> -1;
        case 1 -> pick(Integer.MIN_VALUE, Integer.MAX_VALUE, 1023, 1024, 65536, -4096);
        default -> rnd.nextInt(9);
      };
    }

    int pick(int... v) {
      return v[rnd.nextInt(v.length)];
    }

    long pickLong(long... v) {
      return v[rnd.nextInt(v.length)];
    }

    long request() {
      long r = REQUESTS.get(rnd.nextInt(REQUESTS.size()));
      return switch (rnd.nextInt(6)) {
        case 0 -> r | ((long) rnd.nextInt() << 32);
        case 1 -> rnd.nextLong();
        case 2 -> r | (rnd.nextInt(4) << 30) | (rnd.nextInt(1 << 14) << 16);
        default -> r;
      };
    }

    /** A word that often means something: an fd, a size, an address of mapped memory. */
    long word() {
      return switch (rnd.nextInt(10)) {
        case 0 -> mapped.address() + rnd.nextInt((int) mapped.byteSize());
        case 8 -> (rnd.nextBoolean() ? readOnly : unmapped).address();
        case 1 -> mapped.address();
        case 2 -> rnd.nextInt(12);
        case 3 -> pickLong(0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 0xffff_ffffL);
        case 4 -> rnd.nextInt(4096);
        case 5 -> 1L << rnd.nextInt(64);
        case 6 -> rnd.nextLong();
        default -> rnd.nextInt(64) * 8L;
      };
    }

    /** Bytes that look like a VFIO or iommufd struct: a size first, then plausible words. */
    void fill(MemorySegment s) {
      long n = s.byteSize();
      for (long off = 0; off + 8 <= n; off += 8) {
        long v =
            switch (rnd.nextInt(10)) {
              case 0, 1, 2, 3, 4 -> 0;
              case 5, 6 -> rnd.nextInt(12);
              case 7 -> mapped.address() + rnd.nextInt(16) * 4096L;
              case 8 -> (rnd.nextBoolean() ? readOnly : unmapped).address() + rnd.nextInt(4) * 8;
              default -> word();
            };
        s.set(U64, off, v);
      }
      if (n >= 4) {
        int size =
            switch (rnd.nextInt(6)) {
              case 0 -> rnd.nextInt();
              case 1, 2 -> (int) n;
              default -> 8 + 4 * rnd.nextInt(24);
            };
        s.set(U32, 0, size);
      }
    }

    MemorySegment segment() {
      switch (rnd.nextInt(12)) {
        case 0:
          return null;
        case 1:
          return MemorySegment.NULL;
        case 2:
          return rnd.nextBoolean() ? dead : readOnly;
        case 3:
          {
            MemorySegment s = MemorySegment.ofArray(new byte[rnd.nextInt(200)]);
            fill(s);
            return s.asReadOnly();
          }
        case 4:
          {
            // the tail of the process's mapping: a struct running past it
            long len = 1 + rnd.nextInt(64);
            MemorySegment s = mapped.asSlice(mapped.byteSize() - len);
            fill(s);
            return s;
          }
        case 5:
          {
            MemorySegment s = mapped.asSlice(rnd.nextInt(1024) * 8L, 256);
            fill(s);
            return s;
          }
        default:
          {
            MemorySegment s = MemorySegment.ofArray(new byte[rnd.nextInt(256)]);
            fill(s);
            return s;
          }
      }
    }

    HostProcess target() {
      return switch (rnd.nextInt(5)) {
        case 0 -> gone;
        case 1 -> stranger;
        case 2 -> p;
        default -> peer;
      };
    }

    String path() {
      return switch (rnd.nextInt(8)) {
        case 0 -> null;
        case 1 -> "/dev/vfio/" + rnd.nextInt(20);
        case 2 -> "";
        default -> paths.get(rnd.nextInt(paths.size()));
      };
    }

    void step(HostProcess proc, int i) {
      int op = rnd.nextInt(16);
      switch (op) {
        case 0 ->
            check(i, "open", () -> proc.open(path(), rnd.nextInt(4) == 0 ? rnd.nextInt() : 2));
        case 1 -> {
          // rarely, so the files set up in useful states live a while
          int fd = rnd.nextInt(4) == 0 ? fd() : -1;
          check(i, "close", () -> proc.close(fd));
        }
        case 2 -> check(i, "dup", () -> proc.dup(rnd.nextInt(4) == 0 ? fd() : 100));
        case 3 -> {
          int fd = fd();
          MemorySegment s = segment();
          check(i, "read", () -> proc.read(fd, s));
        }
        case 4 -> {
          int fd = fd();
          MemorySegment s = segment();
          check(i, "write", () -> proc.write(fd, s));
        }
        case 5, 6, 7, 14, 15 -> {
          int fd = fd();
          long req = request();
          MemorySegment s = segment();
          check(i, "ioctl " + Long.toHexString(req), () -> proc.ioctl(fd, req, s));
        }
        case 8 -> {
          int fd = fd();
          long req = request();
          long w = word();
          check(i, "ioctl(word) " + Long.toHexString(req), () -> proc.ioctl(fd, req, w));
        }
        case 9 -> {
          int fd = fd();
          long off = word();
          int whence = rnd.nextInt(8) - 1;
          check(i, "lseek", () -> proc.lseek(fd, off, whence));
        }
        case 10 -> {
          int fd = fd();
          MemorySegment s = segment();
          long off = word();
          check(
              i,
              rnd.nextBoolean() ? "pread" : "pwrite",
              () -> rnd.nextBoolean() ? proc.pread(fd, s, off) : proc.pwrite(fd, s, off));
        }
        case 11 -> {
          int fd = fd();
          int ev = rnd.nextInt();
          check(i, "poll", () -> proc.poll(fd, ev));
        }
        case 12 -> {
          int fd = fd();
          int cmd = rnd.nextInt(6) - 1;
          long arg = word();
          check(i, "fcntl", () -> proc.fcntl(fd, cmd, arg));
        }
        default -> {
          int fd = fd();
          HostProcess t = target();
          check(i, "passFd to " + t, () -> proc.passFd(fd, t));
        }
      }
    }

    void check(int i, String what, LongSupplier call) {
      long r;
      try {
        r = call.getAsLong();
      } catch (RuntimeException | Error e) {
        escaped.putIfAbsent(
            e.getClass().getSimpleName() + " from " + what.split(" ")[0],
            "call " + i + " " + what + ": " + e);
        return;
      }
      if (r < 0) {
        assertThat(Errno.of(-r)).as("call %d %s answered %d", i, what, r).isPresent();
      }
    }

    void run() {
      for (int i = 0; i < CALLS; i++) {
        step(i % 10 == 9 ? gone : p, i);
      }
      p.close();
      peer.close();
      stranger.close();
      host.close();
      other.close();
    }
  }

  @Test
  void noInputMakesAnExceptionEscapeTheDefaultHost() {
    for (long seed = 1; seed <= 3; seed++) {
      new Run(seed, new Host(DefaultHost.topology())).run();
    }
    assertThat(escaped).isEmpty();
  }

  @Test
  void noInputMakesAnExceptionEscapeAMigratableDevice() {
    for (long seed = 11; seed <= 13; seed++) {
      Host host = Migrations.host(new TestMigrationModel(0x7, 4096).withLogging());
      new Run(seed, host).run();
    }
    assertThat(escaped).isEmpty();
  }
}
