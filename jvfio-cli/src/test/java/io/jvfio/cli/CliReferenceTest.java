package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code docs/cli.md}, the reference of every command and option, is the {@code --help} of every
 * command: this test fails when an option changes and the reference does not. To rewrite it, run
 * the test with {@code JVFIO_WRITE_CLI_REFERENCE=1} in the environment.
 */
class CliReferenceTest {
  private static final Path REFERENCE = Path.of("..", "docs", "cli.md");

  /** Every command's path below {@code jvfio}, depth first, in declaration order. */
  private static List<List<String>> commands(CommandLine c, List<String> path) {
    List<List<String>> out = new ArrayList<>();
    out.add(path);
    for (var e : c.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      List<String> sub = new ArrayList<>(path);
      sub.add(e.getKey());
      out.addAll(commands(e.getValue(), sub));
    }
    return out;
  }

  static String reference() {
    StringBuilder b = new StringBuilder();
    b.append("# jvfio command reference\n\n")
        .append("Every command's `--help`, written by `CliReferenceTest` (run it with")
        .append(" `JVFIO_WRITE_CLI_REFERENCE=1` to rewrite this file). Exit codes: 0 ok,")
        .append(" 1 failed, 2 usage error; `--json` prints one object whose `result` is `ok`,")
        .append(" `failed` or `usage`.\n");
    for (List<String> path : commands(new CommandLine(new Main()), List.of())) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      CliRun r = CliRun.run(args.toArray(String[]::new));
      assertThat(r.code()).as(r.both()).isZero();
      String name = String.join(" ", path);
      b.append("\n## `jvfio").append(name.isEmpty() ? "" : " " + name).append("`\n\n```\n");
      b.append(r.out().stripTrailing()).append("\n```\n");
    }
    return b.toString();
  }

  @Test
  void theReferenceIsEveryCommandsHelp() throws IOException {
    String now = reference();
    assertThat(now).contains("## `jvfio migrate send`").contains("--downtime-ms");
    if ("1".equals(System.getenv("JVFIO_WRITE_CLI_REFERENCE"))) {
      Files.writeString(REFERENCE, now, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(REFERENCE, StandardCharsets.UTF_8))
        .as(
            "docs/cli.md is stale: rerun CliReferenceTest with JVFIO_WRITE_CLI_REFERENCE=1 in the environment")
        .isEqualTo(now);
  }
}
