package io.jvfio.cli;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Models;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.pci.PciBus;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.vfio.DeviceSet;
import io.jvfio.host.vfio.VfioDevice;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jvfio topology [FILE] [--json]}: what a host looks like to VFIO. */
@Command(
    name = "topology",
    mixinStandardHelpOptions = true,
    description =
        "Print a host: PCI tree, IOMMU groups, device sets, device nodes and drivers. "
            + "Without FILE, the host of jvfio demo.")
final class TopologyCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "a topology file")
  Path file;

  @Option(names = "--json", description = "print a JSON list of devices instead of text")
  boolean json;

  @Option(
      names = "--variant",
      paramLabel = "NAME",
      description =
          "a built-in host instead of FILE: default, host-driver or nested-bridge"
              + " (default: ${DEFAULT-VALUE})",
      defaultValue = "default")
  String variant;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Topology topology;
    if (file == null) {
      switch (variant) {
        case "default" -> topology = DemoHost.topology();
        case "host-driver" -> topology = DefaultHost.withHostDriver();
        case "nested-bridge" -> topology = DefaultHost.withNestedBridge();
        default -> {
          spec.commandLine()
              .getErr()
              .println(
                  "jvfio topology: unknown variant "
                      + variant
                      + " (known: default, host-driver, nested-bridge)");
          return 2;
        }
      }
    } else {
      try {
        topology = Topology.parse(Files.readString(file));
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("jvfio topology: " + file + ": " + e.getMessage());
        return 1;
      }
    }
    Host host;
    try {
      host = new Host(topology, Models.registry());
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("jvfio topology: " + e.getMessage());
      return 1;
    }
    out.print(json ? Json.write(devices(host)) + "\n" : text(host));
    out.flush();
    return 0;
  }

  static List<Object> devices(Host host) {
    List<Object> list = new ArrayList<>();
    for (PciDev d : host.pci().devices()) {
      Map<String, Object> m = new LinkedHashMap<>();
      VfioDevice v = host.device(d.name()).orElse(null);
      m.put("bdf", d.name());
      m.put("vendor", String.format("%04x", d.spec().vendor()));
      m.put("device", String.format("%04x", d.spec().device()));
      m.put("bridge", d.spec().isBridge());
      m.put(
          "iommuGroup",
          d.spec().iommuGroup().isPresent() ? d.spec().iommuGroup().getAsInt() : null);
      m.put("driver", d.driver().toString());
      m.put("devSet", v == null ? null : v.devSet().key());
      m.put("cdev", v == null ? null : v.cdevPath());
      m.put("groupNode", v == null ? null : v.group().path());
      m.put("functionReset", v == null ? null : io.jvfio.host.pci.PciTree.functionResetWorks(d));
      list.add(m);
    }
    return list;
  }

  static String text(Host host) {
    StringBuilder sb = new StringBuilder("PCI tree\n");
    for (PciBus root : host.pci().roots()) {
      sb.append("  bus ").append(root).append(" (root)\n");
      tree(sb, root, "    ", host);
    }
    sb.append("IOMMU groups\n");
    for (IommuGroup g : host.iommuGroups().values()) {
      sb.append(String.format("  %-3d %s%n", g.id(), g.members()));
    }
    sb.append("Device sets (vfio-pci)\n");
    for (DeviceSet s : host.vfio().deviceSets()) {
      sb.append(String.format("  %-18s %s%n", s.key(), s.members()));
    }
    sb.append("Device nodes\n");
    for (String n : host.deviceNodes()) {
      sb.append("  ").append(n).append('\n');
    }
    return sb.toString();
  }

  private static void tree(StringBuilder sb, PciBus bus, String indent, Host host) {
    for (PciDev d : bus.devices()) {
      String group =
          d.spec().iommuGroup().isPresent()
              ? "group " + d.spec().iommuGroup().getAsInt()
              : "no group";
      String extra =
          host.device(d.name())
              .map(v -> "  " + v.cdevPath() + "  devset " + v.devSet().key())
              .orElse("");
      sb.append(
          String.format(
              "%s%s %04x:%04x %-16s %s%s%s%n",
              indent,
              d.name(),
              d.spec().vendor(),
              d.spec().device(),
              d.driver(),
              group,
              d.slot() != null
                  ? "  slot " + d.slot() + (d.slot().resetWorks() ? " (reset)" : " (no reset)")
                  : "",
              extra));
      if (d.subordinate() != null) {
        sb.append(indent)
            .append("  bus ")
            .append(d.subordinate())
            .append(d.spec().busReset() ? " (bus reset)" : " (no bus reset)")
            .append('\n');
        tree(sb, d.subordinate(), indent + "    ", host);
      }
    }
  }
}
