package io.jvfio.fuzz;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Models;
import io.jvfio.fuzz.SyscallMachine.Op;
import io.jvfio.host.Host;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The syscall target's seeds, written in {@link SyscallMachine}'s encoding: valid programs that
 * reach each fd type's deep states, for the fuzzer to start from and for {@code mvn verify} to run.
 */
final class SyscallSeeds {
  private static final int STOP = 1;
  private static final int RUNNING = 2;
  private static final int STOP_COPY = 3;
  private static final int RESUMING = 4;

  private final List<String> paths;
  private final List<String> devices;
  private Program p;

  private SyscallSeeds() {
    try (Host host = new Host(SyscallFuzzTest.TOPOLOGY, Models.registry(SyscallFuzzTest.MEMDEV))) {
      paths = SyscallMachine.paths(host);
      devices = host.vfio().devices().stream().map(VfioDevice::name).toList();
    }
  }

  /** Seed name to bytes. */
  static Map<String, byte[]> all() {
    SyscallSeeds s = new SyscallSeeds();
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("cdev-bind-attach-migrate", s.cdevMigration());
    m.put("group-container-device-fd", s.legacyGroup());
    m.put("group-on-iommufd", s.groupOnIommufd());
    m.put("every-request-on-every-fd", s.everyRequest());
    return m;
  }

  // ---- the programs ----

  private byte[] cdevMigration() {
    p = new Program();
    open(0, "/dev/iommu"); // 3
    open(0, cdev(DemoHost.MEMDEV_A)); // 4
    op(Op.BIND, 0).u8(fd(4)).u8(fd(3));
    op(Op.IOAS_ALLOC, 0).u8(fd(3)); // ioas 2 (the bound device is object 1)
    op(Op.ATTACH, 0).u8(fd(4)).u8(2);
    // FIXED_IOVA | WRITEABLE | READABLE, IOAS 2, the first page of the mapping at IOVA 0x10000
    op(Op.IOAS_MAP, 0).u8(fd(3)).u8(7).u8(2).u8(1).u8(0).u8(0).u16(0x10);
    open(0, cdev(DemoHost.MEMDEV_B)); // 5
    op(Op.BIND, 0).u8(fd(5)).u8(fd(3));
    op(Op.ATTACH, 0).u8(fd(5)).u8(2);
    op(Op.MIG_SET, 0).u8(fd(4)).u8(STOP);
    op(Op.MIG_SET, 0).u8(fd(4)).u8(STOP_COPY); // saving fd 6
    op(Op.MIG_SET, 0).u8(fd(5)).u8(STOP);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(RESUMING); // resuming fd 7
    op(Op.READ, 0).u8(fd(6)).u8(0).u8(1).u8(200); // heap, 200 bytes
    op(Op.POLL, 0).u8(fd(6)).u16(0xffff);
    op(Op.LSEEK, 0).u8(fd(6)).u8(1).u16(0).u8(1);
    ioctl(0, 6, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, 24);
    op(Op.WRITE, 0).u8(fd(7)).u8(0).u8(1).u8(8).bytes(new byte[8]);
    op(Op.PASS_FD, 0).u8(fd(6)).u8(1); // to process 1, as its fd 3
    op(Op.READ, 1).u8(fd(3)).u8(0).u8(1).u8(100);
    op(Op.EXIT, 0);
    op(Op.READ, 1).u8(fd(3)).u8(0).u8(1).u8(100); // the session ended with the device's close
    op(Op.CLOSE, 1).u8(fd(3));
    return p.toBytes();
  }

  private byte[] legacyGroup() {
    p = new Program();
    open(0, group(DemoHost.MEMDEV_A)); // 3
    open(0, "/dev/vfio/vfio"); // 4
    op(Op.SET_CONTAINER, 0).u8(fd(3)).u8(fd(4));
    op(Op.SET_IOMMU, 0).u8(fd(4)).u8(1); // type1v2
    op(Op.GET_DEVICE_FD, 0).u8(fd(3)).u8(1).u8(devices.indexOf(DemoHost.MEMDEV_A)); // 5
    ioctl(0, 5, VfioIoctls.VFIO_DEVICE_GET_INFO, 24);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(STOP);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(STOP_COPY); // 6
    op(Op.READ, 0).u8(fd(6)).u8(0).u8(1).u8(255);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(STOP);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(RUNNING);
    op(Op.DUP, 0).u8(fd(5)); // 7
    op(Op.PASS_FD, 0).u8(fd(4)).u8(1); // the container to process 1 as fd 3
    op(Op.CLOSE, 0).u8(fd(5));
    op(Op.RESET, 0).u8(fd(7));
    op(Op.CLOSE, 0).u8(fd(3));
    op(Op.EXIT, 0);
    ioctl(1, 3, VfioIoctls.VFIO_IOMMU_GET_INFO, 16);
    return p.toBytes();
  }

  private byte[] groupOnIommufd() {
    p = new Program();
    open(0, "/dev/iommu"); // 3
    open(0, group(DemoHost.MTTY)); // 4
    op(Op.SET_CONTAINER, 0).u8(fd(4)).u8(fd(3));
    op(Op.SET_IOMMU, 0).u8(fd(3)).u8(1);
    op(Op.GET_DEVICE_FD, 0).u8(fd(4)).u8(1).u8(devices.indexOf(DemoHost.MTTY)); // 5
    op(Op.MIG_SET, 0).u8(fd(5)).u8(STOP);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(RESUMING); // 6
    op(Op.WRITE, 0).u8(fd(6)).u8(0).u8(1).u8(16).bytes(new byte[16]);
    op(Op.MIG_SET, 0).u8(fd(5)).u8(STOP);
    open(0, cdev(DemoHost.MTTY)); // 7: the group is in use, so BIND is refused
    op(Op.BIND, 0).u8(fd(7)).u8(fd(3));
    op(Op.FCNTL, 0).u8(fd(6)).u8(1).u8(0).u64(0); // F_GETFD
    op(Op.SPAWN, 0);
    op(Op.PASS_FD, 0).u8(fd(3)).u8(2);
    op(Op.EXIT, 0);
    op(Op.IOAS_ALLOC, 2).u8(fd(3));
    return p.toBytes();
  }

  private byte[] everyRequest() {
    p = new Program();
    open(0, "/dev/iommu"); // 3
    open(0, cdev(DemoHost.MTTY)); // 4, not bound
    open(0, group(DemoHost.MEMDEV_B)); // 5
    open(0, "/dev/vfio/vfio"); // 6
    for (int fd = 3; fd <= 6; fd++) {
      for (int i = 0; i < Requests.REAL.length; i += 3) {
        op(Op.IOCTL, 0).u8(fd(fd)).u8(i).u8(0); // a real request
        p.u8(0).u8(8).bytes(new byte[40]).u8(1); // heap, 40 bytes, argsz = 40
      }
    }
    return p.toBytes();
  }

  // ---- encoding ----

  private Program op(Op op, int process) {
    return p.u8(op.ordinal()).u8(process);
  }

  private void open(int process, String path) {
    op(Op.OPEN, process).u8(paths.indexOf(path)).u8(4); // O_RDWR
  }

  /** IOCTL with a heap struct of {@code len} zero bytes whose argsz says {@code len}. */
  private void ioctl(int process, int fd, long request, int len) {
    int index = Arrays.binarySearch(Requests.REAL, request);
    int lenPick =
        Arrays.stream(new int[] {0, 4, 8, 12, 16, 20, 24, 32, 40}).boxed().toList().indexOf(len);
    op(Op.IOCTL, process).u8(fd(fd)).u8(index).u8(0);
    p.u8(0).u8(lenPick).bytes(new byte[len]).u8(1);
  }

  private static int fd(int fd) {
    return fd + 1;
  }

  private String cdev(String bdf) {
    return "/dev/vfio/devices/vfio" + devices.indexOf(bdf);
  }

  private String group(String bdf) {
    try (Host host = new Host(SyscallFuzzTest.TOPOLOGY, Models.registry(SyscallFuzzTest.MEMDEV))) {
      return host.device(bdf).orElseThrow().group().path();
    }
  }
}
