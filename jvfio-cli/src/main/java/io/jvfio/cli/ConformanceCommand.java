package io.jvfio.cli;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.ConformanceJson;
import io.jvfio.client.DeviceNode;
import io.jvfio.conformance.CheckResult;
import io.jvfio.conformance.ConformanceKit;
import io.jvfio.conformance.DeviceReport;
import io.jvfio.conformance.Status;
import io.jvfio.conformance.Target;
import io.jvfio.uapi.Syscalls;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio conformance}: runs the jvfio-conformance kit on vfio devices and prints every check
 * with its verdict, what the rule expects and what the device answered. Each device is checked in a
 * process of its own, so one device's leftovers cannot change another's answers.
 */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description =
        "Check vfio devices against the VFIO uAPI's rules: VFIO_DEVICE_FEATURE's header and"
            + " errno order, every migration state pair (answer, state read back, data fd), the"
            + " data fd rules, PRECOPY_INFO, MIG_DATA_SIZE, DMA-logging limits, reset to RUNNING,"
            + " hot-reset INFO in"
            + " its cdev and group forms and HOT_RESET's ownership refusals, and the cdev's BIND"
            + " and ATTACH rules. Each check names its source. Exit 0 when no check fails.")
final class ConformanceCommand implements Callable<Integer> {
  @Option(
      names = "--device",
      paramLabel = "PATH|BDF",
      description =
          "a device to check, by BDF or cdev path (/dev/vfio/devices/vfioN); repeatable"
              + " (default: every vfio-pci device of the host)")
  List<String> devices = new ArrayList<>();

  @Option(
      names = "--destructive",
      description =
          "also run the checks that change the device's migration state (state pairs, data fds,"
              + " reset) or call HOT_RESET (refusals); without it they are reported as skipped")
  boolean destructive;

  @Option(
      names = "--topology",
      paramLabel = "FILE",
      description = "a topology file (default: the demo host)")
  Path topologyFile;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** How the kit's Syscalls are made from a host process; tests wrap it to break one rule. */
  private final UnaryOperator<Syscalls> syscalls;

  ConformanceCommand() {
    this(UnaryOperator.identity());
  }

  ConformanceCommand(UnaryOperator<Syscalls> syscalls) {
    this.syscalls = syscalls;
  }

  @Override
  public Integer call() {
    Backend backend =
        Backends.open(spec, topologyFile, "--device", devices, "only vfio devices can be checked");
    List<DeviceNode> chosen = chosen(backend);
    chosen.forEach(d -> Backends.cdevOf(d, "the conformance kit"));
    List<DeviceReport> reports = new ArrayList<>();
    for (DeviceNode d : chosen) {
      try (Backend.Session p = backend.session("conformance")) {
        reports.add(ConformanceKit.run(syscalls.apply(p.sys()), Target.of(d), destructive));
      }
    }
    long fail = count(reports, Status.FAIL);
    PrintWriter out = spec.commandLine().getOut();
    out.print(
        json ? CliJson.line(json(backend, chosen, reports, fail)) + "\n" : text(chosen, reports));
    out.flush();
    return fail == 0 ? 0 : 1;
  }

  /** The devices asked for, in the order given and each once, or every vfio device there is. */
  private List<DeviceNode> chosen(Backend backend) {
    if (devices.isEmpty()) {
      List<DeviceNode> all = backend.devices();
      if (all.isEmpty()) {
        throw Backends.noDevice(backend, "check");
      }
      return all;
    }
    Set<DeviceNode> out = new LinkedHashSet<>();
    for (String d : devices) {
      out.add(backend.device("--device", d));
    }
    return List.copyOf(out);
  }

  private static long count(List<DeviceReport> reports, Status s) {
    return reports.stream().mapToLong(r -> r.count(s)).sum();
  }

  private String text(List<DeviceNode> chosen, List<DeviceReport> reports) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < reports.size(); i++) {
      DeviceReport r = reports.get(i);
      sb.append(
          String.format(
              "%s (%s): %s, %d pass, %d fail, %d skip%n",
              r.device(),
              chosen.get(i).cdevPath(),
              Plural.of(r.checks().size(), "check"),
              r.count(Status.PASS),
              r.count(Status.FAIL),
              r.count(Status.SKIP)));
      for (CheckResult c : r.checks()) {
        switch (c.status()) {
          case PASS ->
              sb.append(String.format("  pass  %s: %s  [%s]%n", c.name(), c.actual(), c.source()));
          case FAIL ->
              sb.append(
                  String.format(
                      "  FAIL  %s: expected %s, actual %s  [%s]%n",
                      c.name(), c.expected(), c.actual(), c.source()));
          case SKIP ->
              sb.append(
                  String.format("  skip  %s: %s  [%s]%n", c.name(), c.expected(), c.source()));
        }
      }
    }
    long fail = count(reports, Status.FAIL);
    sb.append(
        fail == 0
            ? String.format(
                "result: ok, %s passed on %s, %d skipped%n",
                Plural.of(count(reports, Status.PASS), "check"),
                Plural.of(reports.size(), "device"),
                count(reports, Status.SKIP))
            : String.format(
                "result: failed, %s of %s failed (marked FAIL above)%n",
                Plural.of(fail, "check"),
                count(reports, Status.PASS) + fail + count(reports, Status.SKIP)));
    return sb.toString();
  }

  private ConformanceJson json(
      Backend backend, List<DeviceNode> chosen, List<DeviceReport> reports, long fail) {
    List<ConformanceJson.Device> ds = new ArrayList<>();
    for (int i = 0; i < reports.size(); i++) {
      DeviceReport r = reports.get(i);
      List<ConformanceJson.Check> checks = new ArrayList<>();
      for (CheckResult c : r.checks()) {
        checks.add(
            new ConformanceJson.Check(
                c.name(),
                c.source(),
                c.status().name().toLowerCase(Locale.ROOT),
                c.expected(),
                c.actual()));
      }
      ds.add(new ConformanceJson.Device(r.device(), chosen.get(i).cdevPath(), checks));
    }
    long pass = count(reports, Status.PASS);
    long skip = count(reports, Status.SKIP);
    return new ConformanceJson(
        fail == 0 ? CliJson.OK : CliJson.FAILED,
        backend.kind().shown(),
        ds,
        new ConformanceJson.Counts(pass + fail + skip, pass, fail, skip),
        fail == 0 ? null : Plural.of(fail, "check") + " failed: the device answered otherwise");
  }
}
