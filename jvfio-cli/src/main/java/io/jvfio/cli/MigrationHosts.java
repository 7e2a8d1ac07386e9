package io.jvfio.cli;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.Digests;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.FunctionSpec;
import io.jvfio.migration.engine.MigratingDevice;
import java.util.ArrayList;
import java.util.List;

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
    Iommufd iommufd = Iommufd.open(p);
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
}
