package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Syscalls;
import java.util.List;

/** The emulated host as a {@link Backend}; {@link #host()} gives what only the emulator has. */
record EmulatedBackend(Host host, TopologyInput input) implements Backend {

  @Override
  public BackendKind kind() {
    return BackendKind.emulated;
  }

  @Override
  public List<DeviceNode> devices() {
    return host.vfio().devices().stream().map(EmulatedBackend::node).toList();
  }

  @Override
  public String describe() {
    return input.name();
  }

  @Override
  public Session session(String name) {
    HostProcess p = host.process(name);
    return new Session() {
      @Override
      public Syscalls sys() {
        return p;
      }

      @Override
      public void close() {
        p.close();
      }
    };
  }

  /** The emulated device behind {@code node}. */
  VfioDevice deviceOf(DeviceNode node) {
    return host.vfio().devices().stream()
        .filter(d -> d.name().equals(node.name()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(node.name() + " is not on " + input.name()));
  }

  static DeviceNode node(VfioDevice d) {
    return new DeviceNode(
        d.name(),
        d.cdevPath(),
        d.group().path(),
        d.isMdev() ? DeviceNode.Kind.MDEV : DeviceNode.Kind.PCI,
        d.vendor(),
        d.deviceId(),
        d.isMdev()
            ? "mdev:" + d.mdev().type().parent() + "/" + d.mdev().type().name()
            : "vfio-pci");
  }
}
