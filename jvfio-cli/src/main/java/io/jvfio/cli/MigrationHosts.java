package io.jvfio.cli;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Digests;
import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.migration.engine.MigratingDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds a host for one end of a migration and opens its migratable devices as a VMM would. */
final class MigrationHosts {
  private MigrationHosts() {}

  static Host build(Path topology, MemDevice.Config memdev) throws IOException {
    Topology t =
        topology == null ? DemoHost.topology() : Topology.parse(Files.readString(topology));
    return new Host(t, Models.registry(memdev));
  }

  /** The BDFs to migrate: the ones asked for, or every migratable vfio-pci function in order. */
  static List<String> select(Host host, List<String> wanted) {
    if (wanted != null && !wanted.isEmpty()) {
      for (String bdf : wanted) {
        var d = host.device(bdf);
        if (d.isEmpty()) {
          throw new IllegalArgumentException(bdf + " is not a vfio-pci function of this host");
        }
        if (d.get().migration() == null) {
          throw new IllegalArgumentException(
              bdf + " (" + d.get().model().name() + ") cannot migrate");
        }
      }
      return List.copyOf(wanted);
    }
    List<String> all = new ArrayList<>();
    host.vfio().devices().stream()
        .filter(d -> d.migration() != null)
        .forEach(d -> all.add(d.name()));
    if (all.isEmpty()) {
      throw new IllegalArgumentException("this host has no migratable device");
    }
    return all;
  }

  /** Opens each device through its cdev, bound to one iommufd of process {@code p}. */
  static List<MigratingDevice> open(Host host, HostProcess p, List<String> bdfs) {
    Iommufd iommufd = Iommufd.open(p);
    List<MigratingDevice> list = new ArrayList<>();
    for (String bdf : bdfs) {
      var d = host.device(bdf).orElseThrow();
      VfioDevice dev = VfioDevice.openCdev(p, d.cdevPath(), iommufd);
      list.add(
          new MigratingDevice(
              dev,
              bdf,
              d.model().name(),
              d.pci().spec().vendor(),
              d.pci().spec().device(),
              Digests.of(d.model())));
    }
    return list;
  }

  /** Gives every memdev of the host random content and starts its workload. */
  static void startWorkloads(Host host, double dirtyPagesPerSecond, long seed) {
    long s = seed;
    for (var d : host.vfio().devices()) {
      if (d.model() instanceof MemDevice m) {
        m.fillRandom(s++);
        m.setDirtyRate(dirtyPagesPerSecond);
      }
    }
  }
}
