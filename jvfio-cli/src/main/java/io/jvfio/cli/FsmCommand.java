package io.jvfio.cli;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.FsmJson;
import io.jvfio.host.vfio.MigrationFsm;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jvfio fsm --flags F [--json | --dot]}: every state pair on a real emulated device. */
@Command(
    name = "fsm",
    mixinStandardHelpOptions = true,
    description =
        "Drive an emulated device with migration flags F through VFIO_DEVICE_FEATURE for every "
            + "(from, to) pair of its states, ERROR included, and report the single arcs its model "
            + "carried out, or the errno.")
final class FsmCommand implements Callable<Integer> {
  @Option(
      names = "--flags",
      required = true,
      paramLabel = "F",
      description =
          "migration flags: 1, 3, 5 or 7 (STOP_COPY, +P2P, +PRE_COPY, all); 0x7 works too")
  String flagsText;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Option(names = "--dot", description = "print a Graphviz digraph of the single arcs")
  boolean dot;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (json && dot) {
      throw new UsageException("--json and --dot: choose one");
    }
    long flags;
    try {
      flags = Long.decode(flagsText);
    } catch (NumberFormatException e) {
      flags = -1;
    }
    if (flags != 1 && flags != 3 && flags != 5 && flags != 7) {
      throw UsageException.of(
          "--flags",
          flagsText,
          "must be 1, 3, 5 or 7 (every migratable device has STOP_COPY; 0x2 is P2P, 0x4"
              + " PRE_COPY)");
    }
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

  static FsmJson json(long flags, List<FsmExplorer.Result> results) {
    List<FsmJson.Path> paths = new ArrayList<>();
    for (FsmExplorer.Result r : results) {
      paths.add(
          r.ok()
              ? new FsmJson.Path(
                  r.from().name(), r.to().name(), r.arcs().stream().map(Enum::name).toList(), null)
              : new FsmJson.Path(r.from().name(), r.to().name(), null, r.errnoName()));
    }
    return new FsmJson(CliJson.OK, flags, paths);
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
