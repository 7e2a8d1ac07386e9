package io.jvfio.cli;

import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Models;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.report.Summary;
import io.jvfio.migration.report.TimelinePlot;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.IntSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio demo}: a scripted VMM session on the default host through the byte-level syscall
 * boundary, printing every call and what the emulated kernel answered.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Play a short VMM session on the default host: iommufd, IOAS, cdev bind and attach, "
            + "DMA map, device info and reset (each call and its result printed), then a live "
            + "migration of the host's devices, with their workloads running, to a second host.")
final class DemoCommand implements Callable<Integer> {
  static final String DEVICE = DefaultHost.SLOT_DEVICE;
  static final long MAP_LENGTH = 2L << 20;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintWriter out;
  private int failures;

  /** The demo's memdev size, MiB (also the guest RAM bench's). */
  static final String MEMDEV_MIB_DEFAULT = "512";

  /** The demo's vCPU rate, pages/s (also the guest RAM bench's). */
  static final String GUEST_DIRTY_RATE_DEFAULT = "5000";

  /** The demo host: the tour's, and both ends of the migration. */
  private TopologyInput demo;

  @Option(names = "--json", description = "print only the migration's JSON object")
  boolean json;

  @Option(
      names = "--memdev-mib",
      paramLabel = "N",
      defaultValue = MEMDEV_MIB_DEFAULT,
      description =
          "memory of each of the two memdev devices in MiB, 1 to 65536, and the four of both hosts"
              + " within the JVM's device memory budget (default: ${DEFAULT-VALUE})")
  long memdevMib;

  @Option(
      names = "--dirty-rate",
      paramLabel = "PAGES/S",
      defaultValue = Checks.DIRTY_RATE_DEFAULT,
      description =
          "pages each memdev dirties per second while running, 0 to 1000000 (default:"
              + " ${DEFAULT-VALUE}, as jvfio migrate send and the migration bench)")
  double dirtyRate;

  @Option(
      names = "--guest-ram-mib",
      paramLabel = "N",
      defaultValue = "256",
      description =
          "guest RAM of the demo's VM in MiB, 0 (none) to 16384; 256 keeps the demo quick on a"
              + " small machine (default: ${DEFAULT-VALUE})")
  long guestRamMib;

  @Option(
      names = "--guest-dirty-rate",
      paramLabel = "PAGES/S",
      defaultValue = GUEST_DIRTY_RATE_DEFAULT,
      description =
          "pages of guest RAM the demo's vCPU writes per second, 0 to 1000000 (default:"
              + " ${DEFAULT-VALUE})")
  double guestDirtyRate;

  @Option(
      names = "--plot",
      paramLabel = "FILE.png",
      description = "write the migration's timeline plot")
  Path plot;

  @Override
  public Integer call() throws Exception {
    Backends.requireEmulated(
        spec,
        "the demo builds its two hosts in the emulator; it runs with --backend emulated only");
    long memdevBytes = Checks.memdevMib("--memdev-mib", memdevMib);
    demo = TopologyInput.builtIn("the demo host", DemoHost.topology());
    double rate = Checks.dirtyRate("--dirty-rate", dirtyRate);
    long ramBytes = Checks.guestRamMib("--guest-ram-mib", guestRamMib);
    double vcpuRate = Checks.guestDirtyRate("--guest-dirty-rate", guestDirtyRate);
    Checks.plot("--plot", plot);
    // both hosts: the source's memdev are filled, the destination's receive as much
    Checks.fitsBudget(
        "--memdev-mib",
        memdevMib,
        2 * demo.memdevBytes(memdevBytes),
        Plural.of(2 * demo.memdevCount(), "memdev device") + " of " + memdevMib + " MiB");
    out = spec.commandLine().getOut();
    boolean quiet = Main.verbosity(spec) == Logging.Verbosity.QUIET;
    PrintWriter err = spec.commandLine().getErr();
    int tour = json ? 0 : tour();
    // the migration's progress is finished when run() returns: the summary starts a line of its own
    DemoMigration.Outcome m =
        new DemoMigration(demo, memdevBytes, rate, json || quiet ? null : out, err)
            .withGuestRam(ramBytes, vcpuRate)
            .run();
    // the result first, the plot after it: a plot that cannot be written loses nothing else
    out.println(json ? Summary.json(m.report()) : Summary.text(m.report()));
    if (!json) {
      out.println(m.digestCheck());
      out.println(
          tour == 0 && m.report().completed()
              ? "demo finished: every call succeeded and the devices moved intact"
              : "demo failed");
    }
    out.flush();
    if (plot != null) {
      try {
        TimelinePlot.write(m.report(), plot);
      } catch (IOException | RuntimeException e) {
        err.println("jvfio demo: cannot write the plot " + plot + ": " + TimelinePlot.reason(e));
        err.flush();
      }
    }
    return tour == 0 && m.report().completed() ? 0 : 1;
  }

  /** The byte-level tour: every call and the kernel's answer. */
  private int tour() {
    Host host = Hosts.build("the tour's host", demo, Models.registry());
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
    }
    out.printf(
        "%n%s%n%n", failures == 0 ? "tour: every call succeeded" : failures + " calls failed");
    out.flush();
    return failures;
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
