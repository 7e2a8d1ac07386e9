package io.jvfio.cli;

import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import java.util.function.IntSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jvfio demo}: a scripted VMM session on the default host through the byte-level syscall
 * boundary, printing every call and what the emulated kernel answered.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Play a short VMM session on the default host: iommufd, IOAS, cdev bind and attach, "
            + "DMA map, device info and reset, then move one memdev's state into another through "
            + "their migration data fds. Each call and its result is printed.")
final class DemoCommand implements Callable<Integer> {
  static final String DEVICE = DefaultHost.SLOT_DEVICE;
  static final long MAP_LENGTH = 2L << 20;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintWriter out;
  private int failures;

  @Override
  public Integer call() {
    out = spec.commandLine().getOut();
    Host host = DemoHost.build();
    String cdev = host.device(DEVICE).orElseThrow().cdevPath();
    out.printf("jvfio demo: default host, device %s (%s)%n%n", DEVICE, cdev);
    try (HostProcess vmm = host.process("vmm");
        Arena arena = Arena.ofConfined()) {
      int iommufd =
          step("open(\"/dev/iommu\", O_RDWR)", () -> vmm.open("/dev/iommu", OpenFlags.O_RDWR));

      MemorySegment alloc = arena.allocate(IommuIoasAlloc.SIZEOF);
      IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
      step(
          "ioctl(" + iommufd + ", IOMMU_IOAS_ALLOC)",
          () -> vmm.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc));
      int ioas = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
      out.printf("    out_ioas_id = %d%n", ioas);

      int dev = step("open(\"" + cdev + "\", O_RDWR)", () -> vmm.open(cdev, OpenFlags.O_RDWR));

      MemorySegment bind = arena.allocate(VfioDeviceBindIommufd.SIZEOF);
      VfioDeviceBindIommufd.ARGSZ.set(bind, (int) VfioDeviceBindIommufd.SIZEOF);
      VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
      step(
          "ioctl(" + dev + ", VFIO_DEVICE_BIND_IOMMUFD, iommufd=" + iommufd + ")",
          () -> vmm.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bind));
      out.printf("    out_devid = %d%n", VfioDeviceBindIommufd.OUT_DEVID.get(bind));

      MemorySegment attach = arena.allocate(VfioDeviceAttachIommufdPt.SIZEOF);
      VfioDeviceAttachIommufdPt.ARGSZ.set(attach, (int) VfioDeviceAttachIommufdPt.MINSZ);
      VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas);
      step(
          "ioctl(" + dev + ", VFIO_DEVICE_ATTACH_IOMMUFD_PT, pt_id=" + ioas + ")",
          () -> vmm.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach));
      out.printf(
          "    pt_id = %d (the auto-created HWPT)%n", VfioDeviceAttachIommufdPt.PT_ID.get(attach));

      MemorySegment guestRam = vmm.memory().map(MAP_LENGTH, MAP_LENGTH);
      MemorySegment map = arena.allocate(IommuIoasMap.SIZEOF);
      IommuIoasMap.SIZE.set(map, (int) IommuIoasMap.SIZEOF);
      IommuIoasMap.FLAGS.set(map, IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
      IommuIoasMap.IOAS_ID.set(map, ioas);
      IommuIoasMap.USER_VA.set(map, guestRam.address());
      IommuIoasMap.LENGTH.set(map, MAP_LENGTH);
      step(
          "ioctl(" + iommufd + ", IOMMU_IOAS_MAP, 2 MiB, kernel-chosen IOVA)",
          () -> vmm.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_MAP, map));
      out.printf("    iova = 0x%x%n", IommuIoasMap.IOVA.get(map));

      MemorySegment info = arena.allocate(VfioDeviceInfo.SIZEOF);
      VfioDeviceInfo.ARGSZ.set(info, (int) VfioDeviceInfo.SIZEOF);
      step(
          "ioctl(" + dev + ", VFIO_DEVICE_GET_INFO)",
          () -> vmm.ioctl(dev, VfioIoctls.VFIO_DEVICE_GET_INFO, info));
      int flags = VfioDeviceInfo.FLAGS.get(info);
      out.printf(
          "    flags = 0x%x (%s%s), num_regions = %d, num_irqs = %d%n",
          flags,
          (flags & VFIO_DEVICE_FLAGS_PCI) != 0 ? "PCI" : "",
          (flags & VFIO_DEVICE_FLAGS_RESET) != 0 ? "|RESET" : "",
          VfioDeviceInfo.NUM_REGIONS.get(info),
          VfioDeviceInfo.NUM_IRQS.get(info));

      step(
          "ioctl(" + dev + ", VFIO_DEVICE_RESET)",
          () -> vmm.ioctl(dev, VfioIoctls.VFIO_DEVICE_RESET, 0L));
      step("close(" + dev + ")", () -> vmm.close(dev));
      step("close(" + iommufd + ")", () -> vmm.close(iommufd));
      migrateMemdev(host, vmm, arena);
    }
    out.printf(
        "%n%s%n",
        failures == 0 ? "demo finished: every call succeeded" : failures + " calls failed");
    out.flush();
    return failures == 0 ? 0 : 1;
  }

  /**
   * Saves memdev A's state (STOP_COPY) and resumes it into memdev B (RESUMING, then STOP and
   * RUNNING), through the data fds, and compares the two devices' memory digests.
   */
  private void migrateMemdev(Host host, HostProcess vmm, Arena arena) {
    out.printf(
        "%nmigrating %s to %s through their data fds%n", DemoHost.MEMDEV_A, DemoHost.MEMDEV_B);
    int iommufd =
        step("open(\"/dev/iommu\", O_RDWR)", () -> vmm.open("/dev/iommu", OpenFlags.O_RDWR));
    int src = openBound(host, vmm, arena, iommufd, DemoHost.MEMDEV_A);
    int dst = openBound(host, vmm, arena, iommufd, DemoHost.MEMDEV_B);
    MemDevice a = (MemDevice) host.device(DemoHost.MEMDEV_A).orElseThrow().model();
    MemDevice b = (MemDevice) host.device(DemoHost.MEMDEV_B).orElseThrow().model();
    a.fillRandom(2026);
    int saving = setState(vmm, arena, src, MigrationState.STOP_COPY);
    int resuming = setState(vmm, arena, dst, MigrationState.RESUMING);
    MemorySegment chunk = arena.allocate(1 << 20);
    long total = 0;
    int chunks = 0;
    for (long n; (n = vmm.read(saving, chunk)) != 0; ) {
      if (n < 0 || vmm.write(resuming, chunk.asSlice(0, n)) != n) {
        failures++;
        out.printf("    copy failed: %s%n", Errno.describe(n));
        return;
      }
      total += n;
      chunks++;
    }
    out.printf("    copied %d bytes in %d reads and writes%n", total, chunks);
    setState(vmm, arena, dst, MigrationState.STOP);
    setState(vmm, arena, dst, MigrationState.RUNNING);
    setState(vmm, arena, src, MigrationState.STOP);
    boolean same = a.digest().equals(b.digest());
    if (!same) {
      failures++;
    }
    out.printf("    memory digests %s: %s%n", same ? "equal" : "DIFFER", b.digest());
    step("close(" + saving + ")", () -> vmm.close(saving));
    step("close(" + resuming + ")", () -> vmm.close(resuming));
  }

  private int openBound(Host host, HostProcess vmm, Arena arena, int iommufd, String bdf) {
    String cdev = host.device(bdf).orElseThrow().cdevPath();
    int dev = step("open(\"" + cdev + "\", O_RDWR)", () -> vmm.open(cdev, OpenFlags.O_RDWR));
    MemorySegment bind = arena.allocate(VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.ARGSZ.set(bind, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
    step(
        "ioctl(" + dev + ", VFIO_DEVICE_BIND_IOMMUFD, iommufd=" + iommufd + ")",
        () -> vmm.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bind));
    return dev;
  }

  /** MIG_DEVICE_STATE SET; returns the data fd the kernel wrote back (-1 for none). */
  private int setState(HostProcess vmm, Arena arena, int dev, MigrationState state) {
    MemorySegment arg = arena.allocate(VfioDeviceFeature.SIZEOF + VfioDeviceFeatureMigState.SIZEOF);
    VfioDeviceFeature.ARGSZ.set(arg, (int) arg.byteSize());
    VfioDeviceFeature.FLAGS.set(
        arg, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    MemorySegment payload = arg.asSlice(VfioDeviceFeature.DATA_OFFSET);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(payload, state.value());
    step(
        "ioctl(" + dev + ", VFIO_DEVICE_FEATURE, SET MIG_DEVICE_STATE " + state + ")",
        () -> vmm.ioctl(dev, VfioIoctls.VFIO_DEVICE_FEATURE, arg));
    int fd = VfioDeviceFeatureMigState.DATA_FD.get(payload);
    if (fd >= 0) {
      out.printf("    data_fd = %d%n", fd);
    }
    return fd;
  }

  private int step(String call, IntSupplier syscall) {
    int r = syscall.getAsInt();
    if (r < 0) {
      failures++;
      out.printf("%-62s = -1 %s%n", call, Errno.describe(r));
    } else {
      out.printf("%-62s = %d%n", call, r);
    }
    return r;
  }
}
