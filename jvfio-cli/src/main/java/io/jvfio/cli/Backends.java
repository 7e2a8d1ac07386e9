package io.jvfio.cli;

import io.jvfio.devices.Models;
import io.jvfio.host.Host;
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
