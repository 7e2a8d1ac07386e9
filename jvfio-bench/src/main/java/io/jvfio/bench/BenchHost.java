package io.jvfio.bench;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;

/**
 * The demo host with memdev of a given size, and its two memdev opened as cdevs by one process
 * "vmm" through the client: {@link #source} saves, {@link #destination} resumes.
 */
final class BenchHost implements AutoCloseable {
  final Host host;
  final HostProcess vmm;
  final Iommufd iommufd;
  final VfioDevice source;
  final VfioDevice destination;

  BenchHost(MemDevice.Config memdev) {
    host = DemoHost.build(memdev);
    vmm = host.process("vmm");
    iommufd = Iommufd.open(vmm);
    source = open(DemoHost.MEMDEV_A);
    destination = open(DemoHost.MEMDEV_B);
  }

  /** A host whose memdev hold {@code mib} MiB and have every migration flag. */
  static BenchHost ofMib(int mib) {
    return new BenchHost(MemDevice.Config.defaults().withMemorySize((long) mib << 20));
  }

  private VfioDevice open(String bdf) {
    String cdev = host.device(bdf).orElseThrow().cdevPath();
    return VfioDevice.openCdev(vmm, cdev, iommufd);
  }

  MemDevice model(VfioDevice d) {
    String bdf = d == source ? DemoHost.MEMDEV_A : DemoHost.MEMDEV_B;
    return (MemDevice) host.device(bdf).orElseThrow().model();
  }

  @Override
  public void close() {
    host.close();
  }
}
