package io.jvfio.cli;

import io.jvfio.cli.json.CliJson;
import java.io.PrintWriter;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How every {@code jvfio bench} command prints its result: a table, or with --json one object. */
final class BenchOutput {
  @Option(names = "--json", description = "print one JSON object instead of the table")
  boolean json;

  /** The table, or the JSON object {@code asJson} makes (only made when it is printed). */
  void print(CommandLine.Model.CommandSpec spec, Supplier<Object> asJson, String table) {
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? CliJson.line(asJson.get()) + System.lineSeparator() : table);
    out.flush();
  }
}
