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

  /** A usage error unless the command line asked for the emulated backend. */
  static void requireEmulated(CommandLine.Model.CommandSpec spec, String why) {
    if (Main.backend(spec) != BackendKind.emulated) {
      throw UsageException.of("--backend", "native", why);
    }
  }
}
