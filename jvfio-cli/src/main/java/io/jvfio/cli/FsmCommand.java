package io.jvfio.cli;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.FsmJson;
import io.jvfio.client.DeviceNode;
import io.jvfio.client.VfioException;
import io.jvfio.host.vfio.MigrationFsm;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio fsm --flags F [--json | --dot]}: every state pair on an emulated probe device; with
 * {@code --device X}, every pair on that device of the backend, as user space sees it.
 */
@Command(
    name = "fsm",
    mixinStandardHelpOptions = true,
    description =
        "Drive a device through VFIO_DEVICE_FEATURE for every (from, to) pair of its migration"
            + " states. With --flags alone: an emulated probe device with those flags, ERROR"
            + " included, reporting the single arcs its model carried out, or the errno. With"
            + " --device: that device of the backend (emulated or this machine), each pair from a"
            + " reset, reporting the answer, the state read back and whether a data fd came back.")
final class FsmCommand implements Callable<Integer> {
  @Option(
      names = "--flags",
      paramLabel = "F",
      description =
          "migration flags: 1, 3, 5 or 7 (STOP_COPY, +P2P, +PRE_COPY, all); 0x7 works too; with"
              + " --device, the flags the device must have")
  String flagsText;

  @Option(
      names = "--device",
      paramLabel = "BDF|UUID|PATH",
      description =
          "drive this vfio device (a PCI address, an mdev UUID or a cdev path) instead of the probe")
  String device;

  @Option(
      names = "--topology",
      paramLabel = "FILE",
      description =
          "with --device on the emulated backend: a topology file (default: the demo host)")
  Path topologyFile;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Option(names = "--dot", description = "print a Graphviz digraph of the single arcs (probe only)")
  boolean dot;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (json && dot) {
      throw new UsageException("--json and --dot: choose one");
    }
    Long flags = flagsText == null ? null : flags(flagsText);
    if (device == null) {
      if (flags == null) {
        throw new UsageException("missing --flags F (or --device X to drive a device's own flags)");
      }
      if (topologyFile != null) {
        throw UsageException.of(
            "--topology", topologyFile, "only with --device; the probe is a device of its own");
      }
      if (Main.backend(spec) == BackendKind.native_) {
        throw UsageException.of(
            "--backend",
            "native",
            "needs --device BDF|UUID|PATH (jvfio topology --backend native lists this machine's"
                + " vfio devices); --flags alone drives an emulated probe device");
      }
      return probe(flags);
    }
    if (dot) {
      throw UsageException.of(
          "--dot", "with --device", "only for the probe: a device does not show the arcs it takes");
    }
    Backend backend =
        Backends.open(
            spec, topologyFile, "--device", List.of(device), "only vfio devices can migrate");
    DeviceNode node = backend.device("--device", device);
    DeviceFsm.Result result;
    try (Backend.Session p = backend.session("fsm")) {
      result = onDevice(p.sys(), node, flags);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(
        json ? CliJson.line(json(backend, node, result)) + "\n" : text(backend, node, result));
    out.flush();
    return 0;
  }

  /** F as a flag set a migratable device can have, or a usage error. */
  static long flags(String text) {
    long flags;
    try {
      flags = Long.decode(text);
    } catch (NumberFormatException e) {
      flags = -1;
    }
    if (flags != 1 && flags != 3 && flags != 5 && flags != 7) {
      throw UsageException.of(
          "--flags",
          text,
          "must be 1, 3, 5 or 7 (every migratable device has STOP_COPY; 0x2 is P2P, 0x4"
              + " PRE_COPY)");
    }
    return flags;
  }

  private int probe(long flags) {
    List<FsmExplorer.Result> results = FsmExplorer.explore(flags);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(CliJson.line(json(flags, results)));
    } else if (dot) {
      out.print(dot(flags, results));
    } else {
      out.print(text(flags, results));
    }
    out.flush();
    return 0;
  }

  /**
   * Opens {@code node} in this process (its cdev, else its group), reads its migration flags,
   * checks them against {@code wanted} when given, and runs every pair.
   */
  static DeviceFsm.Result onDevice(Syscalls sys, DeviceNode node, Long wanted) {
    try (OpenedDevice.Vmm vmm = new OpenedDevice.Vmm(sys, OpenedDevice.As.of(node))) {
      int fd;
      try {
        fd = vmm.open(node).device().fd();
      } catch (VfioException e) {
        throw new CommandFailure(
            "cannot open " + node.name() + ": " + e.getMessage(),
            DeviceFsm.errno(-e.rawErrno()),
            e);
      }
      long flags = DeviceFsm.flags(sys, fd);
      if (flags < 0) {
        throw new CommandFailure(
            node.name()
                + " has no migration: GET of VFIO_DEVICE_FEATURE_MIGRATION answered "
                + Errno.describe(flags),
            DeviceFsm.errno(flags));
      }
      if (wanted != null && wanted != flags) {
        throw new CommandFailure(
            String.format(
                "--flags %d does not match %s, whose migration flags are %d (0x%x); leave --flags"
                    + " out or give %d",
                wanted, node.name(), flags, flags, flags),
            null);
      }
      return DeviceFsm.run(sys, node, fd, flags);
    }
  }

  static FsmJson json(long flags, List<FsmExplorer.Result> results) {
    List<FsmJson.Path> paths = new ArrayList<>();
    for (FsmExplorer.Result r : results) {
      paths.add(
          r.ok()
              ? new FsmJson.Path(
                  r.from().name(),
                  r.to().name(),
                  r.arcs().stream().map(Enum::name).toList(),
                  null,
                  null,
                  null,
                  null)
              : new FsmJson.Path(
                  r.from().name(), r.to().name(), null, r.errnoName(), null, null, null));
    }
    return new FsmJson(CliJson.OK, BackendKind.emulated.shown(), flags, null, paths);
  }

  static FsmJson json(Backend backend, DeviceNode node, DeviceFsm.Result result) {
    List<FsmJson.Path> paths = new ArrayList<>();
    for (DeviceFsm.Pair p : result.pairs()) {
      paths.add(
          new FsmJson.Path(
              p.from().name(),
              p.to().name(),
              null,
              p.ok() ? null : p.errnoName(),
              p.state() != null ? p.state().name() : p.stateErrno(),
              p.dataFd(),
              p.skipped()));
    }
    return new FsmJson(CliJson.OK, backend.kind().shown(), result.flags(), node.name(), paths);
  }

  static String text(Backend backend, DeviceNode node, DeviceFsm.Result result) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "%s on %s (%s), migration flags 0x%x: states %s%n",
                node.name(),
                backend.describe(),
                node.cdevPath() != null ? node.cdevPath() : node.groupPath(),
                result.flags(),
                MigrationFsm.states(result.flags())));
    sb.append("each pair from a reset; the answer, then the state a GET reads\n\n");
    for (DeviceFsm.Pair p : result.pairs()) {
      String outcome;
      if (p.skipped() != null) {
        outcome = "skipped: " + p.skipped();
      } else {
        outcome =
            (p.ok() ? "ok" : "-1 " + p.errnoName())
                + ", reads "
                + (p.state() != null ? p.state().name() : "nothing (" + p.stateErrno() + ")")
                + (p.dataFd() ? "  (data fd)" : "");
      }
      sb.append(String.format("%-12s to %-12s  %s%n", p.from(), p.to(), outcome));
    }
    return sb.toString();
  }

  static String text(long flags, List<FsmExplorer.Result> results) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "migration flags 0x%x: states %s%n%n", flags, MigrationFsm.states(flags)));
    for (FsmExplorer.Result r : results) {
      String outcome;
      if (!r.ok()) {
        outcome = "-1 " + r.errnoName();
      } else if (r.arcs().isEmpty()) {
        outcome = "(no arc)";
      } else {
        outcome =
            r.from()
                + " -> "
                + r.arcs().stream().map(Enum::name).collect(Collectors.joining(" -> "))
                + (r.writtenFd() >= 0 ? "  (data fd)" : "");
      }
      sb.append(String.format("%-12s to %-12s  %s%n", r.from(), r.to(), outcome));
    }
    return sb.toString();
  }

  static String dot(long flags, List<FsmExplorer.Result> results) {
    Set<String> edges = new LinkedHashSet<>();
    for (FsmExplorer.Result r : results) {
      MigrationState cur = r.from();
      for (MigrationState next : r.arcs()) {
        String label = MigrationFsm.opensSession(cur, next) ? " [label=\"fd\"]" : "";
        edges.add("  " + cur + " -> " + next + label + ";");
        cur = next;
      }
    }
    StringBuilder sb = new StringBuilder(String.format("digraph vfio_migration_0x%x {%n", flags));
    for (MigrationState s : FsmExplorer.statesWithError(flags)) {
      sb.append("  ").append(s).append(s == MigrationState.ERROR ? " [style=dashed];" : ";");
      sb.append('\n');
    }
    edges.forEach(e -> sb.append(e).append('\n'));
    return sb.append("}\n").toString();
  }
}
