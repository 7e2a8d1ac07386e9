package io.jvfio.cli;

import io.jvfio.devices.Models;
import io.jvfio.host.Host;
import io.jvfio.host.pci.Driver;
import java.nio.file.Path;
import picocli.CommandLine;

/** Opens the backend a command line chose, after its options have been checked. */
final class Backends {
  private Backends() {}

  /**
   * The emulated host of {@code --topology} (the demo host when absent), or this machine's kernel;
   * a topology file with {@code --backend native} is a usage error, since sysfs says what is there.
   */
  static Backend open(CommandLine.Model.CommandSpec spec, Path topologyFile) {
    BackendKind kind = Main.backend(spec);
    if (kind == BackendKind.native_) {
      if (topologyFile != null) {
        throw UsageException.of(
            "--topology",
            topologyFile.toString(),
            "only with --backend emulated; the native backend finds its devices in sysfs");
      }
      return NativeBackend.open();
    }
    TopologyInput input = TopologyInput.read("--topology", topologyFile);
    return emulated(input);
  }

  /**
   * {@link #open}, with the devices named on the command line checked first on the emulator, where
   * the topology file can tell a wrong PCI address or mdev UUID before a host is built ({@code
   * notVfio} ends the message for a function bound to another driver). Cdev paths, and every name
   * on the native backend, are looked up on the opened backend; there a name that is no path, UUID
   * or PCI address is still refused first.
   */
  static Backend open(
      CommandLine.Model.CommandSpec spec,
      Path topologyFile,
      String option,
      java.util.List<String> devices,
      String notVfio) {
    if (Main.backend(spec) == BackendKind.native_) {
      for (String d : devices) {
        // only sysfs knows the names, but a name of no kind at all is wrong everywhere
        if (!d.startsWith("/") && !Checks.isUuid(d)) {
          Checks.deviceAddress(option, d);
        }
      }
      return open(spec, topologyFile);
    }
    TopologyInput input = TopologyInput.read("--topology", topologyFile);
    for (String d : devices) {
      checkDevice(input, option, d, notVfio);
    }
    return emulated(input);
  }

  private static void checkDevice(TopologyInput input, String option, String d, String notVfio) {
    if (d.startsWith("/")) {
      return; // a cdev path: only the built host numbers its cdevs
    }
    if (Checks.isUuid(d)) {
      boolean there = input.topology().mdevs().stream().anyMatch(m -> m.uuid().equalsIgnoreCase(d));
      if (!there) {
        throw UsageException.of(option, d, "no such mdev on " + input.name());
      }
      return;
    }
    String bdf = Checks.deviceAddress(option, d);
    var f =
        input
            .function(bdf)
            .orElseThrow(() -> UsageException.of(option, d, "no such function on " + input.name()));
    if (!(f.driver() instanceof Driver.VfioPci)) {
      throw UsageException.of(option, d, "bound to " + f.driver() + ", not vfio-pci; " + notVfio);
    }
  }

  static EmulatedBackend emulated(TopologyInput input) {
    Host host = Hosts.build("the host", input, Models.registry());
    return new EmulatedBackend(host, input);
  }

  /**
   * What to throw when {@code backend} has no vfio device for a command to {@code what} ("check"):
   * on the emulator the topology is the user's input (a usage error), on this machine it is not (a
   * failure that says why sysfs shows none).
   */
  static RuntimeException noDevice(Backend backend, String what) {
    return switch (backend) {
      case EmulatedBackend e ->
          UsageException.of("--topology", e.describe(), "has no vfio device to " + what);
      case NativeBackend n ->
          new CommandFailure(
              n.describe() + " has no vfio device to " + what + ": " + NativeBackend.whyEmpty(),
              "ENODEV");
    };
  }

  /**
   * The device's cdev, or a failure saying the kernel has none for it, for commands that open
   * devices the iommufd way.
   */
  static String cdevOf(io.jvfio.client.DeviceNode d, String what) {
    if (d.cdevPath() == null) {
      throw new CommandFailure(
          d.name()
              + " has no vfio cdev (/dev/vfio/devices/vfioN needs Linux 6.6 or later with"
              + " CONFIG_VFIO_DEVICE_CDEV), and "
              + what
              + " opens devices through their cdev",
          "ENODEV");
    }
    return d.cdevPath();
  }

  /** A usage error unless the command line asked for the emulated backend. */
  static void requireEmulated(CommandLine.Model.CommandSpec spec, String why) {
    if (Main.backend(spec) != BackendKind.emulated) {
      throw UsageException.of("--backend", "native", why);
    }
  }
}
