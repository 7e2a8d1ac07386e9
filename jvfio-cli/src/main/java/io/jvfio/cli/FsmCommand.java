package io.jvfio.cli;

import io.jvfio.host.vfio.MigrationFsm;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jvfio fsm --flags F [--json] [--dot]}: every state pair on a real emulated device. */
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
    PrintWriter out = spec.commandLine().getOut();
    long flags;
    try {
      flags = Long.decode(flagsText);
    } catch (NumberFormatException e) {
      flags = -1;
    }
    if (flags != 1 && flags != 3 && flags != 5 && flags != 7) {
      spec.commandLine()
          .getErr()
          .println(
              "jvfio fsm: --flags must be 1, 3, 5 or 7 (every migratable device has STOP_COPY), not "
                  + flagsText);
      return 2;
    }
    List<FsmExplorer.Result> results = FsmExplorer.explore(flags);
    if (json) {
      out.println(json(flags, results));
    } else if (dot) {
      out.print(dot(flags, results));
    } else {
      out.print(text(flags, results));
    }
    out.flush();
    return 0;
  }

  static String json(long flags, List<FsmExplorer.Result> results) {
    StringBuilder sb = new StringBuilder("{\"flags\":").append(flags).append(",\"paths\":[");
    for (int i = 0; i < results.size(); i++) {
      FsmExplorer.Result r = results.get(i);
      sb.append(i == 0 ? "" : ",")
          .append("{\"from\":\"")
          .append(r.from())
          .append("\",\"to\":\"")
          .append(r.to())
          .append("\",");
      if (r.ok()) {
        sb.append("\"arcs\":[")
            .append(r.arcs().stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(",")))
            .append("]}");
      } else {
        sb.append("\"errno\":\"").append(r.errnoName()).append("\"}");
      }
    }
    return sb.append("]}").toString();
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
