package io.jvfio.fuzz;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.testkit.Cdev;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Iommufd;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.host.vfio.VfioGroup;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Interprets a fuzz input as a program of syscalls by a few processes of one host: every fd type
 * (iommufd, cdev before and after BIND and ATTACH, group, container, group device fd, saving and
 * resuming data fds) reached through raw calls with fuzzed requests and argument bytes, plus a few
 * well-formed helpers (BIND, IOAS_ALLOC, MAP, ATTACH, migration SET, SET_CONTAINER, GET_DEVICE_FD)
 * that carry the program into deep states quickly. Every return value must be {@code >= 0} or an
 * errno Linux has; every file a process ever held is remembered for the leak check.
 */
final class SyscallMachine {
  static final int MAX_OPS = 200;
  static final int MAX_PROCESSES = 4;
  static final long MAPPING_BYTES = 64 << 10;
  private static final int MAX_IO = 64 << 10;
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final int[] LENGTHS = {0, 4, 8, 12, 16, 20, 24, 32, 40, 48, 56, 64, 80, 96, 128};

  /** What an op does; the opcode is the ordinal (mod the count). */
  enum Op {
    OPEN,
    CLOSE,
    DUP,
    PASS_FD,
    IOCTL,
    IOCTL_WORD,
    READ,
    WRITE,
    PREAD,
    PWRITE,
    LSEEK,
    POLL,
    FCNTL,
    EXIT,
    SPAWN,
    BIND,
    IOAS_ALLOC,
    IOAS_MAP,
    ATTACH,
    DETACH,
    MIG_SET,
    SET_CONTAINER,
    SET_IOMMU,
    GET_DEVICE_FD,
    RESET
  }

  /** {@code -Djvfio.fuzz.trace=true} prints every call and its result (to replay a finding). */
  private static final boolean TRACE = Boolean.getBoolean("jvfio.fuzz.trace");

  private final Host host;
  private final Avoid avoid;
  private final List<String> paths = new ArrayList<>();
  private final List<String> deviceNames = new ArrayList<>();
  final List<HostProcess> processes = new ArrayList<>();
  final List<MemorySegment> mappings = new ArrayList<>();
  final Set<OpenFile> files = Collections.newSetFromMap(new IdentityHashMap<>());
  private int calls;

  SyscallMachine(Host host, Avoid avoid) {
    this.host = host;
    this.avoid = avoid;
    paths.addAll(paths(host));
    for (VfioDevice d : host.vfio().devices()) {
      deviceNames.add(d.name());
    }
    spawn();
    spawn();
  }

  /** The paths OPEN picks from, by index: the nodes, groups, cdevs and one that does not exist. */
  static List<String> paths(Host host) {
    List<String> l = new ArrayList<>(List.of("/dev/null", "/dev/iommu", "/dev/vfio/vfio"));
    for (VfioGroup g : host.vfio().groups()) {
      l.add(g.path());
    }
    for (VfioDevice d : host.vfio().devices()) {
      l.add(d.cdevPath());
    }
    l.add("/dev/vfio/devices/vfio99");
    return l;
  }

  /** Successful calls per op: what a seed reached. */
  final Map<Op, Integer> succeeded = new EnumMap<>(Op.class);

  /** Syscalls made so far. */
  int calls() {
    return calls;
  }

  void run(Cursor c) {
    for (int i = 0; i < MAX_OPS && !c.exhausted(); i++) {
      step(c);
      observe();
    }
  }

  private void spawn() {
    if (processes.size() < MAX_PROCESSES) {
      HostProcess p = host.process("fuzz" + processes.size());
      processes.add(p);
      mappings.add(p.memory().map(MAPPING_BYTES));
    }
  }

  boolean alive(HostProcess p) {
    return host.processes().contains(p);
  }

  /** Remembers every file a live process holds, for the leak check after exit. */
  private void observe() {
    for (HostProcess p : processes) {
      if (alive(p)) {
        for (int fd : p.openFds()) {
          files.add(p.file(fd));
        }
      }
    }
  }

  private void step(Cursor c) {
    Op op = Op.values()[c.pick(Op.values().length)];
    int pi = c.pick(processes.size());
    HostProcess p = processes.get(pi);
    MemorySegment mem = mappings.get(pi);
    if (op != Op.SPAWN && avoid.exited() && !alive(p)) {
      return;
    }
    switch (op) {
      case OPEN -> {
        String path = paths.get(c.pick(paths.size()));
        int flags =
            switch (c.pick(5)) {
              case 0 -> OpenFlags.O_RDONLY;
              case 1 -> OpenFlags.O_WRONLY;
              case 2 -> OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC;
              case 3 -> c.u32();
              default -> OpenFlags.O_RDWR;
            };
        check(p.open(path, flags), op);
      }
      case CLOSE -> check(p.close(fd(c)), op);
      case DUP -> check(p.dup(fd(c)), op);
      case PASS_FD -> {
        int fd = fd(c);
        HostProcess to = processes.get(c.pick(processes.size()));
        if (!(avoid.passToExited() && !alive(to))) {
          check(p.passFd(fd, to), op);
        }
      }
      case IOCTL -> {
        int fd = fd(c);
        long request = Requests.pick(c, avoid.bigRequests());
        check(p.ioctl(fd, request, argument(c, mem)), op);
      }
      case IOCTL_WORD -> {
        int fd = fd(c);
        long request = Requests.pick(c, avoid.bigRequests());
        long word =
            switch (c.pick(4)) {
              case 0 -> c.u8();
              case 1 -> mem.address() + c.u16();
              case 2 -> c.u64();
              default -> 0;
            };
        check(p.ioctl(fd, request, word), op);
      }
      case READ -> check(p.read(fd(c), buffer(c, mem, false)), op);
      case WRITE -> check(p.write(fd(c), buffer(c, mem, true)), op);
      case PREAD -> check(p.pread(fd(c), buffer(c, mem, false), offset(c)), op);
      case PWRITE -> check(p.pwrite(fd(c), buffer(c, mem, true), offset(c)), op);
      case LSEEK -> check(p.lseek(fd(c), offset(c), (byte) c.u8()), op);
      case POLL -> check(p.poll(fd(c), c.u16()), op);
      case FCNTL -> {
        int fd = fd(c);
        int cmd = c.pick(4) == 0 ? c.u8() : 1 + c.pick(3); // F_GETFD, F_SETFD, F_GETFL
        check(p.fcntl(fd, cmd, c.u64()), op);
      }
      case EXIT -> p.close();
      case SPAWN -> spawn();
      case BIND -> {
        int dev = fd(c);
        check(Cdev.bind(p, dev, fd(c)), op);
      }
      case IOAS_ALLOC -> check(Iommufd.ioasAlloc(p, fd(c)), op);
      case IOAS_MAP -> {
        int fd = fd(c);
        int flags = c.pick(8);
        int ioas = c.pick(8);
        long va = c.pick(8) == 0 ? c.u64() : mem.address() + 4096L * c.pick(16);
        long length = 4096L * (1 + c.pick(16));
        long iova = 4096L * c.u16();
        check(Iommufd.map(p, fd, flags, ioas, va, length, iova).ret(), op);
      }
      case ATTACH -> {
        int dev = fd(c);
        check(Cdev.attach(p, dev, c.pick(8)), op);
      }
      case DETACH -> check(Cdev.detach(p, fd(c)), op);
      case MIG_SET -> {
        int dev = fd(c);
        check(Migrations.setState(p, dev, c.pick(10)).ret(), op);
      }
      case SET_CONTAINER -> {
        int group = fd(c);
        MemorySegment arg = MemorySegment.ofArray(new byte[4]);
        arg.set(U32, 0, fd(c));
        check(p.ioctl(group, VfioIoctls.VFIO_GROUP_SET_CONTAINER, arg), op);
      }
      case SET_IOMMU -> {
        int container = fd(c);
        int k = c.pick(4);
        long type = k == 3 ? c.u32() & 0xffffffffL : new long[] {1, 3, 6}[k];
        check(p.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, type), op);
      }
      case GET_DEVICE_FD -> {
        int group = fd(c);
        String name =
            c.pick(8) == 0
                ? new String(c.bytes(c.pick(16)), StandardCharsets.ISO_8859_1)
                : deviceNames.get(c.pick(deviceNames.size()));
        byte[] b = (name + "\0").getBytes(StandardCharsets.ISO_8859_1);
        check(p.ioctl(group, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, MemorySegment.ofArray(b)), op);
      }
      case RESET -> check(Devices.deviceReset(p, fd(c)), op);
    }
  }

  /** An fd number: mostly small (-1 to 14, where the program's files are), sometimes any int. */
  private static int fd(Cursor c) {
    int v = c.u8();
    return v == 0xff ? c.u32() : v % 16 - 1;
  }

  private static long offset(Cursor c) {
    return c.pick(4) == 0 ? c.u64() : c.u16();
  }

  /**
   * An ioctl's pointer argument: a struct of fuzzed length and bytes in heap, mapped, read-only,
   * short, closed or no memory, with fix-ups that make it likelier to get past the first checks
   * (argsz equal to the length, a pointer into or just past mapped memory, a small fd number).
   */
  private MemorySegment argument(Cursor c, MemorySegment mem) {
    int kind = c.pick(6);
    int pickLen = c.pick(LENGTHS.length + 1);
    int len = pickLen < LENGTHS.length ? LENGTHS[pickLen] : c.u16() % 1024;
    byte[] b = c.bytes(len);
    int fixups = c.u8();
    MemorySegment s = MemorySegment.ofArray(b);
    if ((fixups & 1) != 0 && len >= 4) {
      s.set(U32, 0, len);
    }
    if ((fixups & 2) != 0 && len >= 16) {
      s.set(U64, 8L * (1 + c.pick(len / 8 - 1)), mem.address() + c.u16() % MAPPING_BYTES);
    }
    if ((fixups & 4) != 0 && len >= 16) {
      long wild = c.pick(2) == 0 ? mem.address() + MAPPING_BYTES + c.u16() : c.u64();
      s.set(U64, 8L * (1 + c.pick(len / 8 - 1)), wild);
    }
    if ((fixups & 8) != 0 && len >= 8) {
      s.set(U32, 4L * (1 + c.pick(len / 4 - 1)), c.pick(16));
    }
    return place(kind, s, mem, c);
  }

  /** A read or write buffer of fuzzed length (up to 64 KiB) in one of the argument memories. */
  private MemorySegment buffer(Cursor c, MemorySegment mem, boolean withData) {
    int kind = c.pick(6);
    int len = c.pick(4) == 0 ? c.u16() % (MAX_IO + 1) : c.u8();
    MemorySegment s = MemorySegment.ofArray(withData ? c.bytes(len) : new byte[len]);
    return place(kind, s, mem, c);
  }

  private MemorySegment place(int kind, MemorySegment s, MemorySegment mem, Cursor c) {
    long len = s.byteSize();
    return switch (kind) {
      case 1 -> {
        if (len > MAPPING_BYTES || !mem.scope().isAlive()) {
          yield s; // too long for the mapping, or its process exited and took it along
        }
        long at = c.u16() % (MAPPING_BYTES - len + 1);
        MemorySegment m = mem.asSlice(at, len);
        m.copyFrom(s);
        yield m;
      }
      case 2 -> s.asReadOnly();
      case 3 -> s.asSlice(0, c.u16() % (len + 1));
      case 4 -> {
        if (avoid.closedSegments()) {
          yield s;
        }
        Arena a = Arena.ofConfined();
        MemorySegment m = a.allocate(Math.max(1, len));
        a.close();
        yield m;
      }
      case 5 -> MemorySegment.NULL;
      default -> s;
    };
  }

  private void check(long ret, Op op) {
    calls++;
    if (TRACE) {
      System.err.printf("%s -> %d%n", op, ret);
    }
    if (ret >= 0) {
      succeeded.merge(op, 1, Integer::sum);
    }
    if (ret < 0 && Errno.of(ret).isEmpty()) {
      throw new AssertionError(op + " returned " + ret + ", which is no errno");
    }
  }
}
