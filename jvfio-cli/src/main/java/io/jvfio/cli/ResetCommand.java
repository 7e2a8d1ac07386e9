package io.jvfio.cli;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.ResetJson;
import io.jvfio.devices.Models;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.FunctionSpec;
import io.jvfio.host.pci.PciAddress;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio reset --device BDF}: what a VMM does for a PCI hot reset. It opens every vfio device
 * of the device's set in one process (cdev: all bound to one iommufd; group: their groups in one
 * container), asks INFO, refuses when ownership cannot be proven (as QEMU does), else issues
 * VFIO_DEVICE_PCI_HOT_RESET.
 */
@Command(
    name = "reset",
    mixinStandardHelpOptions = true,
    description =
        "Hot-reset the slot or bus of a vfio-pci device the way a VMM does: open its device set, "
            + "ask VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, prove ownership, reset. Prints the scope "
            + "and the outcome.")
final class ResetCommand implements Callable<Integer> {
  enum As {
    cdev,
    group
  }

  @Option(names = "--device", required = true, paramLabel = "BDF", description = "the device")
  String bdf;

  @Option(
      names = "--topology",
      paramLabel = "FILE",
      description = "a topology file (default: the demo host)")
  Path topologyFile;

  @Option(
      names = "--as",
      paramLabel = "cdev|group",
      description = "open devices through their cdevs or their groups (default: ${DEFAULT-VALUE})",
      defaultValue = "cdev")
  As as;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** One INFO entry: the function and its devid or group id (unsigned). */
  record Entry(int segment, int bus, int devfn, long id) {
    String bdf() {
      return new PciAddress(segment, bus, devfn >> 3, devfn & 7).toString();
    }
  }

  /**
   * What the session found and did: {@code errno} and {@code reason} are null when every function
   * in the scope was reset.
   */
  record Outcome(
      int infoFlags, List<Entry> scope, List<String> blocking, String errno, String reason) {
    boolean ok() {
      return errno == null;
    }
  }

  @Override
  public Integer call() {
    String wanted = Checks.bdf("--device", bdf);
    TopologyInput input = TopologyInput.read("--topology", topologyFile);
    FunctionSpec f =
        input
            .function(wanted)
            .orElseThrow(
                () -> UsageException.of("--device", bdf, "no such function on " + input.name()));
    if (!(f.driver() instanceof Driver.VfioPci)) {
      throw UsageException.of(
          "--device",
          bdf,
          "bound to "
              + f.driver()
              + ", not vfio-pci; a VMM resets only vfio-pci devices (jvfio topology shows the"
              + " drivers)");
    }
    Host host = Hosts.build("the host", input, Models.registry());
    VfioDevice device = host.device(wanted).orElseThrow();
    Outcome o;
    try (HostProcess vmm = host.process("vmm")) {
      o = as == As.cdev ? viaCdev(host, vmm, device) : viaGroups(host, vmm, device);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? CliJson.line(json(device, o)) + "\n" : text(host, device, o));
    out.flush();
    return o.ok() ? 0 : 1;
  }

  private Outcome viaCdev(Host host, HostProcess vmm, VfioDevice device) {
    int iommufd = vmm.open("/dev/iommu", OpenFlags.O_RDWR);
    int target = -1;
    for (VfioDevice member : device.devSet().members()) {
      int fd = vmm.open(member.cdevPath(), OpenFlags.O_RDWR);
      MemorySegment b = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
      VfioDeviceBindIommufd.ARGSZ.set(b, (int) VfioDeviceBindIommufd.SIZEOF);
      VfioDeviceBindIommufd.IOMMUFD.set(b, iommufd);
      int r = vmm.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b);
      if (r < 0) {
        return failed("BIND of " + member.name(), r);
      }
      if (member == device) {
        target = fd;
      }
    }
    Info info = info(vmm, target);
    if (info.ret < 0) {
      return infoFailed(device, info.ret);
    }
    List<String> blocking = new ArrayList<>();
    for (Entry e : info.entries) {
      if (e.id() == Integer.toUnsignedLong(VFIO_PCI_DEVID_NOT_OWNED)) {
        blocking.add(e.bdf());
      }
    }
    if ((info.flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) == 0) {
      // QEMU refuses here: some affected device is not owned
      return refused(host, info, blocking, false);
    }
    MemorySegment arg = MemorySegment.ofArray(new byte[(int) VfioPciHotReset.MINSZ]);
    VfioPciHotReset.ARGSZ.set(arg, (int) VfioPciHotReset.MINSZ);
    int r = vmm.ioctl(target, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
    return reset(info, blocking, r);
  }

  private Outcome viaGroups(Host host, HostProcess vmm, VfioDevice device) {
    int container = vmm.open("/dev/vfio/vfio", OpenFlags.O_RDWR);
    Map<Integer, Integer> groupFds = new LinkedHashMap<>();
    for (VfioDevice member : device.devSet().members()) {
      int id = member.group().id();
      if (groupFds.containsKey(id)) {
        continue;
      }
      int g = vmm.open(member.group().path(), OpenFlags.O_RDWR);
      if (g < 0) {
        return failed("open " + member.group().path(), g);
      }
      int r =
          vmm.ioctl(
              g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, MemorySegment.ofArray(new int[] {container}));
      if (r < 0) {
        return failed("VFIO_GROUP_SET_CONTAINER of " + member.group().path(), r);
      }
      if (groupFds.isEmpty()) {
        r = vmm.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
        if (r < 0) {
          return failed("VFIO_SET_IOMMU", r);
        }
      }
      groupFds.put(id, g);
    }
    byte[] name = (device.name() + "\0").getBytes(StandardCharsets.US_ASCII);
    int target =
        vmm.ioctl(
            groupFds.get(device.group().id()),
            VfioIoctls.VFIO_GROUP_GET_DEVICE_FD,
            MemorySegment.ofArray(name));
    if (target < 0) {
      return failed("VFIO_GROUP_GET_DEVICE_FD " + device.name(), target);
    }
    Info info = info(vmm, target);
    if (info.ret < 0) {
      return infoFailed(device, info.ret);
    }
    List<String> blocking = new ArrayList<>();
    for (Entry e : info.entries) {
      if (!groupFds.containsKey((int) e.id())) {
        blocking.add(e.bdf());
      }
    }
    if (!blocking.isEmpty()) {
      return refused(host, info, blocking, true);
    }
    int n = groupFds.size();
    MemorySegment arg = MemorySegment.ofArray(new byte[(int) VfioPciHotReset.MINSZ + 4 * n]);
    VfioPciHotReset.ARGSZ.set(arg, (int) arg.byteSize());
    VfioPciHotReset.COUNT.set(arg, n);
    int i = 0;
    for (int fd : groupFds.values()) {
      arg.set(
          java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED,
          VfioPciHotReset.GROUP_FDS_OFFSET + 4L * i++,
          fd);
    }
    int r = vmm.ioctl(target, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
    return reset(info, blocking, r);
  }

  private record Info(int ret, int flags, List<Entry> entries) {}

  /** INFO twice, as a VMM does: once to learn the count (ENOSPC), once to read the entries. */
  private static Info info(HostProcess vmm, int fd) {
    MemorySegment probe = MemorySegment.ofArray(new byte[(int) VfioPciHotResetInfo.MINSZ]);
    VfioPciHotResetInfo.ARGSZ.set(probe, (int) VfioPciHotResetInfo.MINSZ);
    int r = vmm.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, probe);
    if (r < 0 && r != Errno.ENOSPC.negative()) {
      return new Info(r, 0, List.of());
    }
    int count = VfioPciHotResetInfo.COUNT.get(probe);
    long size = VfioPciHotResetInfo.MINSZ + count * VfioPciDependentDevice.SIZEOF;
    MemorySegment arg = MemorySegment.ofArray(new byte[(int) size]);
    VfioPciHotResetInfo.ARGSZ.set(arg, (int) size);
    r = vmm.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, arg);
    if (r < 0) {
      return new Info(r, 0, List.of());
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < VfioPciHotResetInfo.COUNT.get(arg); i++) {
      MemorySegment e =
          arg.asSlice(
              VfioPciHotResetInfo.DEVICES_OFFSET + i * VfioPciDependentDevice.SIZEOF,
              VfioPciDependentDevice.SIZEOF);
      entries.add(
          new Entry(
              VfioPciDependentDevice.SEGMENT.get(e),
              VfioPciDependentDevice.BUS.get(e),
              VfioPciDependentDevice.DEVFN.get(e),
              VfioPciDependentDevice.DEVID.getUnsigned(e)));
    }
    return new Info(0, VfioPciHotResetInfo.FLAGS.get(arg), entries);
  }

  /** A step before INFO failed: the device set could not be opened as a VMM opens it. */
  private static Outcome failed(String what, long ret) {
    return new Outcome(
        0,
        List.of(),
        List.of(),
        name(ret),
        what
            + " failed with "
            + Errno.describe(ret)
            + ", so the device set could not be opened in one process");
  }

  private static Outcome infoFailed(VfioDevice device, long ret) {
    String why =
        ret == Errno.ENODEV.negative()
            ? "no slot or bus reset covers "
                + device.name()
                + ": it is on a root bus, or its bridge cannot reset the bus below it, so only a"
                + " function reset (VFIO_DEVICE_RESET) is possible"
            : "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO failed with " + Errno.describe(ret);
    return new Outcome(0, List.of(), List.of(), name(ret), why);
  }

  /**
   * Ownership of the scope is not proven: refused, as QEMU refuses (EPERM). {@code viaGroups}: the
   * blocking functions are in groups this process has not opened, else not bound to its iommufd.
   */
  private static Outcome refused(Host host, Info info, List<String> blocking, boolean viaGroups) {
    if (blocking.isEmpty()) {
      return new Outcome(
          info.flags,
          info.entries,
          blocking,
          Errno.EPERM.name(),
          "the kernel could not prove this process owns every function in the reset scope");
    }
    boolean one = blocking.size() == 1;
    boolean unbound = blocking.stream().anyMatch(b -> !driverOf(host, b).startsWith("vfio-pci"));
    String who =
        blocking.stream()
            .map(b -> b + " (" + driverOf(host, b) + ")")
            .collect(Collectors.joining(", "));
    String notOwned =
        viaGroups
            ? (one ? "is in an IOMMU group" : "are in IOMMU groups")
                + " this process has not opened"
            : (one ? "is" : "are") + " not bound to this process's iommufd";
    String them = one ? "it" : "them";
    String why =
        "the reset would also reset "
            + who
            + ", which "
            + notOwned
            + "; "
            + (unbound ? "bind " + them + " to vfio-pci and open " : "open ")
            + them
            + " in this process too, or reset a device whose slot or bus it shares with no other"
            + " user";
    return new Outcome(info.flags, info.entries, blocking, Errno.EPERM.name(), why);
  }

  private static String driverOf(Host host, String bdf) {
    return host.pci().find(PciAddress.parse(bdf)).map(d -> d.driver().toString()).orElse("absent");
  }

  /** The outcome of VFIO_DEVICE_PCI_HOT_RESET itself. */
  private static Outcome reset(Info info, List<String> blocking, int r) {
    if (r >= 0) {
      return new Outcome(info.flags, info.entries, blocking, null, null);
    }
    return new Outcome(
        info.flags,
        info.entries,
        blocking,
        name(r),
        "VFIO_DEVICE_PCI_HOT_RESET failed with " + Errno.describe(r));
  }

  private static String name(long ret) {
    return Errno.of(ret).map(Enum::name).orElse("errno " + Math.abs(ret));
  }

  private String text(Host host, VfioDevice device, Outcome o) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "hot reset of %s as a %s user (device set %s: %s)%n",
                device.name(), as, device.devSet().key(), device.devSet().members()));
    if (!o.scope().isEmpty()) {
      sb.append(
          String.format(
              "INFO flags 0x%x, %s in the reset scope:%n",
              o.infoFlags(), Plural.of(o.scope().size(), "function")));
      for (Entry e : o.scope()) {
        String id;
        if (as == As.group) {
          id = "group " + e.id();
        } else if (e.id() == Integer.toUnsignedLong(VFIO_PCI_DEVID_NOT_OWNED)) {
          id = "NOT_OWNED";
        } else if (e.id() == VFIO_PCI_DEVID_OWNED) {
          id = "OWNED (same IOMMU group as a bound device)";
        } else {
          id = "devid " + e.id();
        }
        sb.append(
            String.format(
                "  %s  %s%s%n",
                e.bdf(), id, o.blocking().contains(e.bdf()) ? "  <- blocks the reset" : ""));
      }
    }
    if (o.ok()) {
      sb.append("result: ok, every function in the scope was reset\n");
    } else {
      sb.append("result: ")
          .append(o.errno().equals(Errno.EPERM.name()) ? "refused" : "failed")
          .append(" (")
          .append(o.errno())
          .append("): ")
          .append(o.reason())
          .append('\n');
    }
    return sb.toString();
  }

  private ResetJson json(VfioDevice device, Outcome o) {
    List<ResetJson.Entry> entries = new ArrayList<>();
    for (Entry e : o.scope()) {
      entries.add(new ResetJson.Entry(e.segment(), e.bus(), e.devfn(), e.id()));
    }
    return new ResetJson(
        o.ok() ? CliJson.OK : CliJson.FAILED,
        as.name(),
        device.name(),
        new ResetJson.Info(o.infoFlags(), entries),
        o.blocking().isEmpty() ? null : o.blocking(),
        o.errno(),
        o.reason());
  }
}
