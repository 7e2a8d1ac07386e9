package io.jvfio.cli;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.cli.OpenedDevice.As;
import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.ResetJson;
import io.jvfio.client.DeviceNode;
import io.jvfio.client.VfioException;
import io.jvfio.host.pci.PciAddress;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio reset --device BDF}: what a VMM does for a PCI hot reset. It opens the device in one
 * process (cdev: bound to an iommufd; group: its group in a container), asks INFO, opens every vfio
 * device of the scope INFO names the same way, refuses when ownership cannot be proven (as QEMU
 * does), else issues VFIO_DEVICE_PCI_HOT_RESET. On the emulator the device's whole device set is
 * opened first, as jvfio always did; on this machine the scope is learned from INFO alone.
 */
@Command(
    name = "reset",
    mixinStandardHelpOptions = true,
    description =
        "Hot-reset the slot or bus of a vfio-pci device the way a VMM does: open it and the vfio"
            + " devices of its reset scope, ask VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, prove"
            + " ownership, reset. Prints the scope and the outcome.")
final class ResetCommand implements Callable<Integer> {
  @Option(
      names = "--device",
      required = true,
      paramLabel = "BDF",
      description = "the device (with --backend native, any vfio device name: an mdev is refused)")
  String bdf;

  @Option(
      names = "--topology",
      paramLabel = "FILE",
      description = "a topology file (default: the demo host; emulated backend only)")
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
    Backend backend;
    if (Main.backend(spec) == BackendKind.emulated) {
      // a VMM resets vfio-pci functions; the topology tells a wrong address before any host
      Checks.bdf("--device", bdf);
      backend =
          Backends.open(
              spec,
              topologyFile,
              "--device",
              List.of(bdf),
              "a VMM resets only vfio-pci devices (jvfio topology shows the drivers)");
    } else {
      backend = Backends.open(spec, topologyFile, "--device", List.of(bdf), "not a vfio device");
    }
    DeviceNode device = backend.device("--device", bdf);
    Outcome o;
    try (Backend.Session vmm = backend.session("vmm")) {
      o = run(backend, vmm.sys(), device, firstOpened(backend, device), as);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? CliJson.line(json(device, o)) + "\n" : text(backend, device, o));
    out.flush();
    return o.ok() ? 0 : 1;
  }

  /**
   * What is opened before INFO: on the emulator the device's whole device set (jvfio's behaviour
   * from the start, which the tests pin down); on this machine the device alone, since sysfs does
   * not say which functions one reset takes: INFO does.
   */
  static List<DeviceNode> firstOpened(Backend backend, DeviceNode device) {
    if (backend instanceof EmulatedBackend e && device.kind() == DeviceNode.Kind.PCI) {
      return e.deviceOf(device).devSet().members().stream().map(EmulatedBackend::node).toList();
    }
    return List.of(device);
  }

  /**
   * The hot reset as a VMM does it, on any backend: open {@code first} (the device among them),
   * INFO, open the scope's other vfio devices, INFO again if any was added, check ownership, reset.
   */
  static Outcome run(
      Backend backend, Syscalls vmm, DeviceNode device, List<DeviceNode> first, As as) {
    try (OpenedDevice.Vmm opener = new OpenedDevice.Vmm(vmm, as)) {
      return run(backend, vmm, device, first, opener);
    }
  }

  /**
   * {@link #run} in {@code opener}, closed by the caller: a failure to close is not one to open.
   */
  private static Outcome run(
      Backend backend,
      Syscalls vmm,
      DeviceNode device,
      List<DeviceNode> first,
      OpenedDevice.Vmm opener) {
    try {
      for (DeviceNode m : first) {
        opener.own(m);
      }
      int target = opener.open(device).device().fd();
      Info info = info(vmm, target);
      if (info.ret < 0) {
        return infoFailed(device, info.ret);
      }
      boolean added = false;
      for (Entry e : info.entries) {
        DeviceNode member = vfioDevice(backend, e.bdf());
        if (member != null && !opener.owns(member)) {
          opener.own(member);
          added = true;
        }
      }
      if (added) {
        info = info(vmm, target);
        if (info.ret < 0) {
          return infoFailed(device, info.ret);
        }
      }
      return opener.as() == As.cdev
          ? viaCdev(backend, vmm, target, info)
          : viaGroups(backend, vmm, opener, target, info);
    } catch (VfioException e) {
      return failed(e);
    }
  }

  private static DeviceNode vfioDevice(Backend backend, String bdf) {
    return backend.devices().stream().filter(d -> d.name().equals(bdf)).findFirst().orElse(null);
  }

  private static Outcome viaCdev(Backend backend, Syscalls vmm, int target, Info info) {
    List<String> blocking = new ArrayList<>();
    for (Entry e : info.entries) {
      if (e.id() == Integer.toUnsignedLong(VFIO_PCI_DEVID_NOT_OWNED)) {
        blocking.add(e.bdf());
      }
    }
    if ((info.flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED) == 0) {
      // QEMU refuses here: some affected device is not owned
      return refused(backend, info, blocking, false);
    }
    MemorySegment arg = MemorySegment.ofArray(new byte[(int) VfioPciHotReset.MINSZ]);
    VfioPciHotReset.ARGSZ.set(arg, (int) VfioPciHotReset.MINSZ);
    int r = vmm.ioctl(target, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
    return reset(info, blocking, r);
  }

  private static Outcome viaGroups(
      Backend backend, Syscalls vmm, OpenedDevice.Vmm opener, int target, Info info) {
    List<String> blocking = new ArrayList<>();
    for (Entry e : info.entries) {
      if (!opener.hasGroup(e.id())) {
        blocking.add(e.bdf());
      }
    }
    if (!blocking.isEmpty()) {
      return refused(backend, info, blocking, true);
    }
    int[] groupFds = opener.groupFds();
    MemorySegment arg =
        MemorySegment.ofArray(new byte[(int) VfioPciHotReset.MINSZ + 4 * groupFds.length]);
    VfioPciHotReset.ARGSZ.set(arg, (int) arg.byteSize());
    VfioPciHotReset.COUNT.set(arg, groupFds.length);
    for (int i = 0; i < groupFds.length; i++) {
      arg.set(
          java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED,
          VfioPciHotReset.GROUP_FDS_OFFSET + 4L * i,
          groupFds[i]);
    }
    int r = vmm.ioctl(target, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, arg);
    return reset(info, blocking, r);
  }

  private record Info(int ret, int flags, List<Entry> entries) {}

  /** INFO twice, as a VMM does: once to learn the count (ENOSPC), once to read the entries. */
  private static Info info(Syscalls vmm, int fd) {
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
  private static Outcome failed(VfioException e) {
    return new Outcome(
        0,
        List.of(),
        List.of(),
        name(-e.rawErrno()),
        e.getMessage() + ", so the device set could not be opened in one process");
  }

  private static Outcome infoFailed(DeviceNode device, long ret) {
    String why;
    if (ret == Errno.ENOTTY.negative() && device.kind() == DeviceNode.Kind.MDEV) {
      why =
          device.name()
              + " is a mediated device ("
              + device.driver()
              + "): its driver has no PCI hot reset (only VFIO_DEVICE_RESET), so the kernel"
              + " answered VFIO_DEVICE_GET_PCI_HOT_RESET_INFO with ENOTTY";
    } else if (ret == Errno.ENODEV.negative()) {
      why =
          "no slot or bus reset covers "
              + device.name()
              + ": it is on a root bus, or its bridge cannot reset the bus below it, so only a"
              + " function reset (VFIO_DEVICE_RESET) is possible";
    } else {
      why = "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO failed with " + Errno.describe(ret);
    }
    return new Outcome(0, List.of(), List.of(), name(ret), why);
  }

  /**
   * Ownership of the scope is not proven: refused, as QEMU refuses (EPERM). {@code viaGroups}: the
   * blocking functions are in groups this process has not opened, else not bound to its iommufd.
   */
  private static Outcome refused(
      Backend backend, Info info, List<String> blocking, boolean viaGroups) {
    if (blocking.isEmpty()) {
      return new Outcome(
          info.flags,
          info.entries,
          blocking,
          Errno.EPERM.name(),
          "the kernel could not prove this process owns every function in the reset scope");
    }
    boolean one = blocking.size() == 1;
    boolean unbound = blocking.stream().anyMatch(b -> vfioDevice(backend, b) == null);
    String who =
        blocking.stream()
            .map(b -> b + " (" + driverOf(backend, b) + ")")
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

  /** The driver a function is bound to, as the backend names it. */
  private static String driverOf(Backend backend, String bdf) {
    return switch (backend) {
      case EmulatedBackend e ->
          e.host()
              .pci()
              .find(PciAddress.parse(bdf))
              .map(d -> d.driver().toString())
              .orElse("absent");
      case NativeBackend n -> NativeBackend.driverOf(bdf);
    };
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

  private String text(Backend backend, DeviceNode device, Outcome o) {
    String opened =
        backend instanceof EmulatedBackend e && device.kind() == DeviceNode.Kind.PCI
            ? "device set "
                + e.deviceOf(device).devSet().key()
                + ": "
                + e.deviceOf(device).devSet().members()
            : "scope from VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on " + backend.describe();
    StringBuilder sb =
        new StringBuilder(
            String.format("hot reset of %s as a %s user (%s)%n", device.name(), as, opened));
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

  private ResetJson json(DeviceNode device, Outcome o) {
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
