package io.jvfio.cli;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.TopologyJson;
import io.jvfio.client.DeviceNode;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Models;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.pci.PciBus;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.vfio.DeviceSet;
import io.jvfio.host.vfio.VfioDevice;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jvfio topology [FILE] [--json | --json-array]}: what a host looks like to VFIO. */
@Command(
    name = "topology",
    mixinStandardHelpOptions = true,
    description =
        "Print a host: PCI tree, IOMMU groups, device sets, device nodes and drivers. "
            + "Without FILE, the host of jvfio demo. With --backend native, this machine's vfio"
            + " devices as sysfs shows them (name, ids, driver, group node, cdev).")
final class TopologyCommand implements Callable<Integer> {
  /** The built-in hosts {@code --variant} names. */
  static final List<String> VARIANTS = List.of("default", "host-driver", "nested-bridge");

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "a topology file")
  Path file;

  @Option(
      names = "--json",
      description =
          "print one JSON object: {\"result\":\"ok\",\"host\":...,\"devices\":[...],"
              + "\"iommuGroups\":[...],\"deviceSets\":[...]}")
  boolean json;

  @Option(
      names = "--json-array",
      description =
          "print only the devices, as one JSON array (what --json printed before it became an object)")
  boolean jsonArray;

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
  public Integer call() {
    if (json && jsonArray) {
      throw new UsageException("--json and --json-array: choose one");
    }
    if (!VARIANTS.contains(variant)) {
      throw UsageException.of(
          "--variant",
          variant,
          "unknown host; the built-in ones are " + String.join(", ", VARIANTS));
    }
    boolean variantGiven = spec.commandLine().getParseResult().hasMatchedOption("--variant");
    if (file != null && variantGiven) {
      throw UsageException.of("--variant", variant, "give either FILE or --variant, not both");
    }
    if (Main.backend(spec) == BackendKind.native_) {
      if (file != null) {
        throw UsageException.of(
            "FILE",
            file,
            "only with --backend emulated; the native backend lists what sysfs shows");
      }
      if (variantGiven) {
        throw UsageException.of(
            "--variant", variant, "only with --backend emulated; the native backend has one host");
      }
      return machine(NativeBackend.open());
    }
    TopologyInput input;
    String hostName;
    if (file == null) {
      Topology t =
          switch (variant) {
            case "host-driver" -> DefaultHost.withHostDriver();
            case "nested-bridge" -> DefaultHost.withNestedBridge();
            default -> DemoHost.topology();
          };
      input = TopologyInput.builtIn("the " + variant + " host", t);
      hostName = variant;
    } else {
      input = TopologyInput.read(null, file);
      hostName = file.toString();
    }
    Host host = Hosts.build("the host", input, Models.registry());
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          CliJson.line(
              new TopologyJson(
                  CliJson.OK, hostName, devices(host), groups(host), deviceSets(host))));
    } else if (jsonArray) {
      out.println(CliJson.line(devices(host)));
    } else {
      out.print(text(host));
    }
    out.flush();
    return 0;
  }

  /** The vfio devices of a backend that has no topology to show, only its devices. */
  private int machine(Backend backend) {
    List<DeviceNode> nodes = backend.devices();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          CliJson.line(
              new TopologyJson(
                  CliJson.OK, backend.describe(), devices(nodes), groups(nodes), List.of())));
    } else if (jsonArray) {
      out.println(CliJson.line(devices(nodes)));
    } else {
      out.print(text(backend, nodes));
    }
    out.flush();
    return 0;
  }

  /**
   * Devices as sysfs shows them: no bridge, device set or reset facts (sysfs has them, but jvfio
   * does not read them yet), and no ids for an mdev, which has no config space file.
   */
  static List<TopologyJson.Device> devices(List<DeviceNode> nodes) {
    List<TopologyJson.Device> list = new ArrayList<>();
    for (DeviceNode d : nodes) {
      boolean ids = d.kind() == DeviceNode.Kind.PCI;
      list.add(
          new TopologyJson.Device(
              d.name(),
              ids ? String.format("%04x", d.vendor()) : null,
              ids ? String.format("%04x", d.deviceId()) : null,
              false,
              groupId(d),
              d.driver(),
              null,
              d.cdevPath(),
              d.groupPath(),
              null));
    }
    return list;
  }

  /** The vfio devices' groups, each with the vfio devices in it, by group number. */
  static List<TopologyJson.Group> groups(List<DeviceNode> nodes) {
    java.util.Map<Integer, List<String>> byId = new java.util.TreeMap<>();
    for (DeviceNode d : nodes) {
      Integer id = groupId(d);
      if (id != null) {
        byId.computeIfAbsent(id, k -> new ArrayList<>()).add(d.name());
      }
    }
    List<TopologyJson.Group> list = new ArrayList<>();
    byId.forEach((id, members) -> list.add(new TopologyJson.Group(id, members)));
    return list;
  }

  /** N of {@code /dev/vfio/N} or {@code /dev/vfio/noiommu-N}. */
  private static Integer groupId(DeviceNode d) {
    if (d.groupPath() == null) {
      return null;
    }
    String last = d.groupPath().substring(d.groupPath().lastIndexOf('/') + 1);
    try {
      return Integer.valueOf(last.replace("noiommu-", ""));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String text(Backend backend, List<DeviceNode> nodes) {
    if (nodes.isEmpty()) {
      return backend.describe() + " has no vfio device: " + NativeBackend.whyEmpty() + "\n";
    }
    StringBuilder sb = new StringBuilder("vfio devices of " + backend.describe() + "\n");
    for (DeviceNode d : nodes) {
      sb.append(
          String.format(
              "  %-36s %-9s %-20s %-22s %s%n",
              d.name(),
              d.kind() == DeviceNode.Kind.PCI
                  ? String.format("%04x:%04x", d.vendor(), d.deviceId())
                  : "mdev",
              d.driver(),
              "group " + d.groupPath(),
              d.cdevPath() == null ? "(no cdev)" : d.cdevPath()));
    }
    return sb.toString();
  }

  static List<TopologyJson.Device> devices(Host host) {
    List<TopologyJson.Device> list = new ArrayList<>();
    for (PciDev d : host.pci().devices()) {
      VfioDevice v = host.device(d.name()).orElse(null);
      list.add(
          new TopologyJson.Device(
              d.name(),
              String.format("%04x", d.spec().vendor()),
              String.format("%04x", d.spec().device()),
              d.spec().isBridge(),
              d.spec().iommuGroup().isPresent() ? d.spec().iommuGroup().getAsInt() : null,
              d.driver().toString(),
              v == null ? null : v.devSet().key(),
              v == null ? null : v.cdevPath(),
              v == null ? null : v.group().path(),
              v == null ? null : PciTree.functionResetWorks(d)));
    }
    // mdevs after the functions, in creation order; their driver is the parent's type
    for (VfioDevice v : mdevs(host)) {
      list.add(
          new TopologyJson.Device(
              v.name(),
              String.format("%04x", v.vendor()),
              String.format("%04x", v.deviceId()),
              false,
              v.group().id(),
              mdevDriver(v),
              null,
              v.cdevPath(),
              v.group().path(),
              true));
    }
    return list;
  }

  static List<TopologyJson.Group> groups(Host host) {
    List<TopologyJson.Group> list = new ArrayList<>();
    for (IommuGroup g : host.iommuGroups().values()) {
      list.add(new TopologyJson.Group(g.id(), groupMembers(host, g)));
    }
    return list;
  }

  private static List<VfioDevice> mdevs(Host host) {
    return host.vfio().devices().stream().filter(VfioDevice::isMdev).toList();
  }

  private static String mdevDriver(VfioDevice v) {
    return "mdev:" + v.mdev().type().parent() + "/" + v.mdev().type().name();
  }

  /** A group's PCI functions, or the mdev alone in its group of its own. */
  private static List<String> groupMembers(Host host, IommuGroup g) {
    if (!g.members().isEmpty()) {
      return g.members().stream().map(PciDev::name).toList();
    }
    var vg = host.vfio().group(g.id());
    return vg == null ? List.of() : vg.devices().stream().map(VfioDevice::name).toList();
  }

  static List<TopologyJson.DeviceSet> deviceSets(Host host) {
    List<TopologyJson.DeviceSet> list = new ArrayList<>();
    for (DeviceSet s : host.vfio().deviceSets()) {
      list.add(
          new TopologyJson.DeviceSet(s.key(), s.members().stream().map(VfioDevice::name).toList()));
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
      sb.append(String.format("  %-3d %s%n", g.id(), groupMembers(host, g)));
    }
    List<VfioDevice> mdevs = mdevs(host);
    if (!mdevs.isEmpty()) {
      sb.append("Mediated devices\n");
      for (VfioDevice v : mdevs) {
        sb.append(
            String.format(
                "  %s %04x:%04x %-16s group %d  %s%n",
                v.name(), v.vendor(), v.deviceId(), mdevDriver(v), v.group().id(), v.cdevPath()));
      }
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
