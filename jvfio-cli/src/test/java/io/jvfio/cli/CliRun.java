package io.jvfio.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;

/** Runs the {@code jvfio} command line in this JVM, as {@link Main#main} does, capturing output. */
record CliRun(int code, String out, String err) {
  /** The {@code result} of a migration's JSON that completed. */
  static final Set<String> MIGRATED = Set.of("ok");

  private static final JsonMapper JSON = new JsonMapper();

  static CliRun run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** Standard output and error into one stream, as a terminal shows them (both fields hold it). */
  static CliRun runOnOneTerminal(String... args) {
    StringWriter both = new StringWriter();
    PrintWriter w = new PrintWriter(both);
    int code = Main.run(w, w, args);
    return new CliRun(code, both.toString(), both.toString());
  }

  /** Stdout as the one line of JSON it must be. */
  JsonNode json() {
    String s = out.strip();
    if (s.isEmpty() || s.lines().count() != 1) {
      throw new AssertionError("stdout is not one line of JSON:\n" + both());
    }
    try {
      return JSON.readTree(s);
    } catch (JsonProcessingException e) {
      throw new AssertionError("stdout is not JSON: " + e.getMessage() + "\n" + both(), e);
    }
  }

  /** Both streams, for assertion messages. */
  String both() {
    return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }

  /** A line of the progress display in its log form: "[ 1.2 s] ..." (stderr is no terminal). */
  static boolean isProgress(String line) {
    return line.matches("\\[\\s*\\d+\\.\\d s\\] .*");
  }

  /**
   * The lines of stderr that are not progress; progress lines may only come before them (the
   * display is finished before anything else is said).
   */
  List<String> errLines() {
    List<String> all = err.lines().toList();
    List<String> said = all.stream().filter(l -> !isProgress(l)).toList();
    if (!said.isEmpty()) {
      int first = all.indexOf(said.getFirst());
      if (all.subList(first, all.size()).stream().anyMatch(CliRun::isProgress)) {
        throw new AssertionError("a progress line after the message:\n" + err);
      }
    }
    return said;
  }
}
