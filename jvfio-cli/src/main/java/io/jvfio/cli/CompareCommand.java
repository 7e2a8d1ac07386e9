package io.jvfio.cli;

import io.jvfio.cli.Comparison.Outcome;
import io.jvfio.cli.Comparison.Pair;
import io.jvfio.cli.Comparison.Row;
import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.CompareJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvfio compare NATIVE.json EMULATED.json}: what a real kernel answered next to what the
 * emulator answered, for the lab ({@code scripts/lab-check}). Both files come from the same command
 * ({@code conformance --json} or {@code fsm --json}); nothing is run here.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description =
        "Compare two outputs of 'jvfio conformance --json' (or two of 'jvfio fsm --json'), as"
            + " the lab does with a real kernel's answers and the emulator's: check by check,"
            + " whether both have the same status and actual, what differs, what only one side"
            + " has. Exit 0 when every difference is listed in --known, 1 otherwise.")
final class CompareCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "NATIVE.json",
      description = "the first output (in the lab: the real kernel's)")
  Path nativeFile;

  @Parameters(
      index = "1",
      paramLabel = "EMULATED.json",
      description = "the second output, of the same command (in the lab: the emulator's)")
  Path emulatedFile;

  @Option(
      names = "--known",
      paramLabel = "FILE",
      description =
          "expected differences, one a line: CHECK-NAME-GLOB LINUX-COMMIT reason (for example"
              + " features newer than the kernel compared with); they are reported as known")
  Path knownFile;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    KnownDifferences known =
        knownFile == null ? KnownDifferences.none() : input(() -> KnownDifferences.read(knownFile));
    ResultFile nat = input(() -> ResultFile.read(nativeFile));
    ResultFile emu = input(() -> ResultFile.read(emulatedFile));
    if (nat.kind() != emu.kind()) {
      throw new UsageException(
          nativeFile
              + " is "
              + nat.kind().command
              + " output and "
              + emulatedFile
              + " is "
              + emu.kind().command
              + " output; compare two outputs of the same command");
    }
    Comparison c = Comparison.of(nat, emu, known);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? CliJson.line(json(nat, c)) + "\n" : text(nat, emu, c));
    out.flush();
    return c.unexplained() == 0 ? 0 : 1;
  }

  /** A file's problem as a usage error: its message already names the file. */
  private static <T> T input(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
  }

  private String text(ResultFile nat, ResultFile emu, Comparison c) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%s: %s (native) with %s (emulated)%n", nat.kind().command, nativeFile, emulatedFile));
    for (Pair p : c.pairs()) {
      sb.append(String.format("%s%n", title(p)));
      for (Row r : p.rows()) {
        sb.append(line(r));
      }
    }
    for (var k : c.unusedKnown()) {
      sb.append(
          String.format("note: known difference %s (%s) did not occur%n", k.glob(), k.commit()));
    }
    sb.append(
        String.format("result: %s, %s%n", c.unexplained() == 0 ? "ok" : "failed", summary(c)));
    return sb.toString();
  }

  private static String title(Pair p) {
    String n = p.nativeDevice() == null ? null : name(p.nativeDevice(), "native");
    String e = p.emulatedDevice() == null ? null : name(p.emulatedDevice(), "emulated");
    return switch (p.matchedBy()) {
      case NAME -> "device " + n;
      case POSITION -> "device " + n + " with " + e + " (paired by position)";
      case NONE -> n != null ? "device " + n + ": native only" : "device " + e + ": emulated only";
    };
  }

  private static String name(ResultFile.Device d, String side) {
    return d.name() != null ? d.name() : "(unnamed " + side + " device)";
  }

  private static String line(Row r) {
    ResultFile.Check n = r.nativeCheck();
    ResultFile.Check e = r.emulatedCheck();
    return switch (r.outcome()) {
      case EQUAL -> String.format("  equal          %s: %s %s%n", r.name(), n.status(), n.actual());
      case DIFFERS ->
          String.format(
              "  DIFFERS        %s: native %s %s | emulated %s %s%n",
              r.name(), n.status(), n.actual(), e.status(), e.actual());
      case NATIVE_ONLY ->
          String.format("  NATIVE ONLY    %s: %s %s%n", r.name(), n.status(), n.actual());
      case EMULATED_ONLY ->
          String.format("  EMULATED ONLY  %s: %s %s%n", r.name(), e.status(), e.actual());
      case KNOWN ->
          String.format(
              "  known          %s: native %s | emulated %s  [%s %s]%n",
              r.name(),
              n == null ? "(no check)" : n.status() + " " + n.actual(),
              e == null ? "(no check)" : e.status() + " " + e.actual(),
              r.known().commit(),
              r.known().reason());
    };
  }

  private static String summary(Comparison c) {
    return String.format(
        "%s: %d equal, %d known, %d differ, %d native only, %d emulated only",
        Plural.of(c.checks(), "check"),
        c.count(Outcome.EQUAL),
        c.count(Outcome.KNOWN),
        c.count(Outcome.DIFFERS),
        c.count(Outcome.NATIVE_ONLY),
        c.count(Outcome.EMULATED_ONLY));
  }

  private CompareJson json(ResultFile nat, Comparison c) {
    List<CompareJson.Device> devices = new ArrayList<>();
    for (Pair p : c.pairs()) {
      List<CompareJson.Check> checks = new ArrayList<>();
      for (Row r : p.rows()) {
        checks.add(
            new CompareJson.Check(
                r.name(),
                r.outcome().label,
                side(r.nativeCheck()),
                side(r.emulatedCheck()),
                r.known() == null ? null : r.known().commit(),
                r.known() == null ? null : r.known().reason()));
      }
      devices.add(
          new CompareJson.Device(
              p.nativeDevice() == null ? null : p.nativeDevice().name(),
              p.emulatedDevice() == null ? null : p.emulatedDevice().name(),
              p.matchedBy().name().toLowerCase(java.util.Locale.ROOT),
              checks));
    }
    long bad = c.unexplained();
    return new CompareJson(
        bad == 0 ? CliJson.OK : CliJson.FAILED,
        nat.kind().command,
        nativeFile.toString(),
        emulatedFile.toString(),
        devices,
        new CompareJson.Counts(
            c.checks(),
            c.count(Outcome.EQUAL),
            c.count(Outcome.KNOWN),
            c.count(Outcome.DIFFERS),
            c.count(Outcome.NATIVE_ONLY),
            c.count(Outcome.EMULATED_ONLY)),
        c.unusedKnown().stream().map(KnownDifferences.Entry::glob).toList(),
        bad == 0
            ? null
            : Plural.of(bad, "check") + " differ and are not listed as known: " + summary(c));
  }

  private static CompareJson.Side side(ResultFile.Check c) {
    return c == null ? null : new CompareJson.Side(c.status(), c.actual());
  }
}
