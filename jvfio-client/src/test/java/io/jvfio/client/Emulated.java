package io.jvfio.client;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;

/**
 * The demo host with one process "vmm" that the client runs in: memdev at {@link #MEMDEV_A} and
 * {@link #MEMDEV_B}, mtty at {@link #MTTY}, and the default host's PCI shapes (a plain function on
 * the root bus, two functions sharing a bus reset, a two-function IOMMU group).
 */
final class Emulated implements AutoCloseable {
  static final String MEMDEV_A = DemoHost.MEMDEV_A;
  static final String MEMDEV_B = DemoHost.MEMDEV_B;
  static final String MTTY = DemoHost.MTTY;

  /** The {@code plain} model on the root bus: no migration, function reset works. */
  static final String PLAIN = "0000:00:02.0";

  /** Two functions on bus 02 (groups 5 and 6): one device set, bus reset, no function reset. */
  static final String BUS_A = "0000:02:00.0";

  static final String BUS_B = "0000:02:01.0";
  static final int BUS_A_GROUP = 5;
  static final int BUS_B_GROUP = 6;

  /** Two functions in one IOMMU group (8). */
  static final String PAIR_A = "0000:03:00.0";

  static final String PAIR_B = "0000:03:00.1";
  static final int PAIR_GROUP = 8;

  static final int MEMDEV_A_GROUP = 12;
  static final int PLAIN_GROUP = 1;

  final Host host = DemoHost.build();
  final HostProcess p = host.process("vmm");

  /** The host-side device playing {@code bdf}. */
  io.jvfio.host.vfio.VfioDevice hostDevice(String bdf) {
    return host.device(bdf).orElseThrow();
  }

  String cdev(String bdf) {
    return hostDevice(bdf).cdevPath();
  }

  MemDevice memdev(String bdf) {
    return (MemDevice) hostDevice(bdf).model();
  }

  @Override
  public void close() {
    host.close();
  }
}
