package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.Digests;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.FunctionSpec;
import io.jvfio.migration.engine.DirtyTracking;
import io.jvfio.migration.engine.GuestRam;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationFailure;
import io.jvfio.uapi.Syscalls;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/** Checks and selects the devices of one end of a migration and opens them as a VMM would. */
final class MigrationHosts {
  private static final System.Logger LOG = System.getLogger(MigrationHosts.class.getName());

  private MigrationHosts() {}

  /**
   * Before anything is built: the devices asked for ({@code wanted}, checked PCI addresses; null:
   * all) are vfio-pci functions of {@code input} whose model can migrate, or, when none are asked
   * for, the host has at least one. {@code typed} is the option's value as given, for messages.
   */
  static void check(TopologyInput input, List<String> wanted, String typed) {
    List<String> migratable = input.migratable();
    if (wanted == null) {
      if (migratable.isEmpty()) {
        throw input.error(
            "has no device that can migrate (a vfio-pci function of model memdev or mtty)");
      }
      return;
    }
    String shown = typed;
    String choice =
        migratable.isEmpty()
            ? input.name() + " has none that can"
            : "the ones that can are " + String.join(", ", migratable);
    for (String bdf : wanted) {
      FunctionSpec f =
          input
              .function(bdf)
              .orElseThrow(() ->
                  UsageException.of(
                      "--devices",
                      shown,
                      "no function " + bdf + " on " + input.name() + "; " + choice));
      if (!(f.driver() instanceof Driver.VfioPci)) {
        throw UsageException.of(
            "--devices", shown, bdf + " is bound to " + f.driver() + ", not vfio-pci; " + choice);
      }
      if (!input.canMigrate(f)) {
        throw UsageException.of(
            "--devices", shown, bdf + " (" + f.driver() + ") cannot migrate; " + choice);
      }
    }
  }

  /**
   * The BDFs to migrate: the ones asked for, or every migratable vfio-pci function in order. {@link
   * #check} has found them there before the host was built; this only confirms it.
   */
  static List<String> select(Host host, List<String> wanted) {
    if (wanted != null && !wanted.isEmpty()) {
      for (String bdf : wanted) {
        var d = host.device(bdf);
        if (d.isEmpty() || d.get().migration() == null) {
          throw new IllegalStateException(bdf + " passed the checks but cannot migrate");
        }
      }
      return List.copyOf(wanted);
    }
    List<String> all = new ArrayList<>();
    host.vfio().devices().stream()
        .filter(d -> d.migration() != null)
        .forEach(d -> all.add(d.name()));
    if (all.isEmpty()) {
      throw new IllegalStateException("a host that passed the checks has no migratable device");
    }
    return all;
  }

  /** Opens each device through its cdev, bound to one iommufd of process {@code p}. */
  static List<MigratingDevice> open(Host host, HostProcess p, List<String> bdfs) {
    return open(host, p, bdfs, Iommufd.open(p));
  }

  private static List<MigratingDevice> open(
      Host host, HostProcess p, List<String> bdfs, Iommufd iommufd) {
    List<MigratingDevice> list = new ArrayList<>();
    for (String bdf : bdfs) {
      var d = host.device(bdf).orElseThrow();
      VfioDevice dev = VfioDevice.openCdev(p, d.cdevPath(), iommufd);
      list.add(
          new MigratingDevice(
              dev, bdf, d.model().name(), d.vendor(), d.deviceId(), Digests.of(d.model())));
    }
    return list;
  }

  /** A VM of the emulated host: its devices and, when it has some, its guest RAM. */
  record Vm(List<MigratingDevice> devices, GuestRam ram) {}

  /**
   * Opens the devices as {@link #open} does and, when {@code ramBytes} is not 0, gives the VM guest
   * RAM in the VMM process {@code p}, mapped at IOVA 0 for every device, its device writes tracked
   * as {@code tracking} says.
   */
  static Vm openVm(
      Host host, HostProcess p, List<String> bdfs, long ramBytes, DirtyTracking.Choice tracking) {
    Iommufd iommufd = Iommufd.open(p);
    List<MigratingDevice> list = open(host, p, bdfs, iommufd);
    if (ramBytes == 0) {
      return new Vm(list, null);
    }
    GuestRam ram = new GuestRam(ramBytes, p.memory()::map);
    try {
      ram.attach(iommufd, list, GUEST_RAM_IOVA, tracking);
    } catch (MigrationFailure e) {
      throw new CommandFailure(e.getMessage(), null, e);
    }
    return new Vm(list, ram);
  }

  /** Where guest RAM sits in the devices' IO address space: at 0, as guest physical memory. */
  static final long GUEST_RAM_IOVA = 0;

  /**
   * A guest that used half its RAM: the first half random (from {@code seed}), the rest zero, so
   * that zero pages show as markers on the wire.
   */
  static void fillHalf(GuestRam ram, long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    long half = ram.bytes() / 2;
    java.lang.foreign.MemorySegment m = ram.memory();
    for (long at = 0; at + 8 <= half; at += 8) {
      m.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at, r.nextLong());
    }
  }

  /** Gives every memdev of the host random content and starts its workload. */
  static void startWorkloads(Host host, double dirtyPagesPerSecond, long seed) {
    LOG.log(
        System.Logger.Level.INFO,
        () ->
            "filling the memdev memory with random content ("
                + host.vfio().devices().stream()
                        .filter(d -> d.model() instanceof MemDevice)
                        .mapToLong(d -> ((MemDevice) d.model()).memorySize())
                        .sum()
                    / (1 << 20)
                + " MiB), then dirtying "
                + Checks.show(dirtyPagesPerSecond)
                + " pages/s per memdev");
    long s = seed;
    for (var d : host.vfio().devices()) {
      if (d.model() instanceof MemDevice m) {
        m.fillRandom(s++);
        m.setDirtyRate(dirtyPagesPerSecond);
      }
    }
  }

  // ---- the native backend: devices from sysfs, no workloads, no digests ----

  /** What the summary says on the native backend, where the digests of jvfio's models are not. */
  static final String NO_DIGESTS =
      "digests: not available on the native backend (device content is known only to the"
          + " emulator's models)";

  /**
   * With {@code --backend native}, the options that only make sense on the emulator ({@code
   * options}: the ones this command has) are usage errors when given.
   */
  static void refuseEmulatorOptions(CommandLine.Model.CommandSpec spec, String... options) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (String o : options) {
      if (parsed.hasMatchedOption(o)) {
        throw UsageException.of(
            o,
            String.join(",", parsed.matchedOption(o).stringValues()),
            "only with --backend emulated: "
                + (o.equals("--topology")
                    ? "the native backend finds its devices in sysfs"
                    : "the memdev workload and memory are the emulator's; a native device runs"
                        + " what its own guest runs"));
      }
    }
  }

  /**
   * The devices of a native migration end: the ones {@code names} gives (PCI addresses, mdev UUIDs
   * or cdev paths; each once, in that order), each able to migrate; or, when null, every device of
   * the backend whose driver has migration, in the backend's order.
   */
  static List<StateDevices.Chosen> chooseNative(Backend backend, List<String> names) {
    List<StateDevices.Chosen> out = new ArrayList<>();
    if (names == null) {
      for (DeviceNode d : backend.devices()) {
        StateDevices.Chosen c = StateDevices.ifMigratable(backend, d);
        if (c != null) {
          out.add(c);
        }
      }
      if (out.isEmpty()) {
        throw new CommandFailure(
            backend.describe()
                + " has no vfio device that can migrate (none answers VFIO_DEVICE_FEATURE"
                + " MIGRATION); name devices with --devices to see why each cannot",
            "ENODEV");
      }
      return out;
    }
    String typed = String.join(",", names);
    Set<String> seen = new LinkedHashSet<>();
    for (String n : names) {
      StateDevices.Chosen c = StateDevices.migratable(backend, "--devices", n);
      if (!seen.add(c.name())) {
        throw UsageException.of(
            "--devices", typed, c.name() + " is named twice; name each device once");
      }
      out.add(c);
    }
    return out;
  }

  /** Native devices opened for a migration; closing closes them. */
  record Opened(List<OpenedDevice> opened, List<MigratingDevice> devices) implements AutoCloseable {
    @Override
    public void close() {
      for (OpenedDevice d : opened.reversed()) {
        d.close();
      }
    }
  }

  /**
   * Opens each chosen device in the process of {@code sys} as a VMM does (cdev and iommufd, or
   * group and container), and brings it to RUNNING if it is not. The wire names a device by its
   * name (PCI address or mdev UUID) and a model: an mdev's parent ({@code mtty}, as the emulator's
   * mtty is named), a PCI function's driver. There is no digest: device content is known only to
   * the emulator's models.
   */
  static Opened openNative(Syscalls sys, List<StateDevices.Chosen> chosen) {
    List<OpenedDevice> opened = new ArrayList<>();
    List<MigratingDevice> list = new ArrayList<>();
    try {
      for (StateDevices.Chosen c : chosen) {
        OpenedDevice d = OpenedDevice.open(sys, c.node());
        opened.add(d);
        // a kernel device may still be where an earlier run left it (mtty keeps its state
        // across close): every migration starts from RUNNING
        StateCommand.fromRunning(d);
        DeviceNode n = c.node();
        list.add(
            new MigratingDevice(d.device(), n.name(), model(n), n.vendor(), n.deviceId(), null));
      }
    } catch (RuntimeException e) {
      new Opened(opened, list).close();
      throw e;
    }
    return new Opened(List.copyOf(opened), List.copyOf(list));
  }

  /** The model name the wire carries for a native device (see {@link #openNative}). */
  static String model(DeviceNode n) {
    String driver = n.driver() == null ? "" : n.driver();
    if (n.kind() == DeviceNode.Kind.MDEV && driver.startsWith("mdev:")) {
      String parentAndType = driver.substring("mdev:".length());
      int slash = parentAndType.indexOf('/');
      return slash < 0 ? parentAndType : parentAndType.substring(0, slash);
    }
    return driver.isEmpty() ? "vfio" : driver;
  }
}
