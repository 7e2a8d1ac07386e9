package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.migration.ExpectedFsmPaths;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FsmCommandTest {
  private static final Pattern ENTRY =
      Pattern.compile(
          "\\{\"from\":\"(\\w+)\",\"to\":\"(\\w+)\",(?:\"arcs\":\\[([^\\]]*)\\]|\"errno\":\"(\\w+)\")\\}");

  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  /**
   * The walk the hand-derived table ({@code fsm-paths.txt} in the host's tests, worked out from the
   * uAPI's rules, not from the code) gives for one pair: the states passed, or "EINVAL".
   */
  private static String expected(long flags, MigrationState from, MigrationState to) {
    List<ExpectedFsmPaths.Expected> rows =
        ExpectedFsmPaths.forFlags(flags).stream()
            .filter(e -> e.from() == from && e.to() == to)
            .toList();
    assertThat(rows).as("the table has %s -> %s for 0x%x once", from, to, flags).hasSize(1);
    ExpectedFsmPaths.Expected e = rows.getFirst();
    return e.einval()
        ? "EINVAL"
        : e.path().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(","));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "3", "5", "7", "0x7"})
  void jsonListsEveryPairWithTheArcsTheModelSaw(String flagsText) {
    long flags = Long.decode(flagsText);
    CliRun r = run("fsm", "--flags", flagsText, "--json");
    assertThat(r.code()).isZero();
    String json = r.out().strip();
    assertThat(json)
        .startsWith(
            "{\"result\":\"ok\",\"backend\":\"emulated\",\"flags\":" + flags + ",\"paths\":[")
        .endsWith("]}");
    Matcher m = ENTRY.matcher(json);
    int n = 0;
    while (m.find()) {
      MigrationState from = MigrationState.valueOf(m.group(1));
      MigrationState to = MigrationState.valueOf(m.group(2));
      String got = m.group(3) != null ? m.group(3) : m.group(4);
      String want = expected(flags, from, to);
      assertThat(got).as("%s -> %s", from, to).isEqualTo(want);
      n++;
    }
    // every state the flags give (the table's non-EINVAL targets from STOP, plus STOP and ERROR)
    long states =
        ExpectedFsmPaths.forFlags(flags).stream()
                .filter(e -> e.from() == MigrationState.STOP && !e.einval())
                .count()
            + 1;
    assertThat(n).isEqualTo(states * states);
  }

  @Test
  void theExactShapeOfTheDocumentedExample() {
    String json = run("fsm", "--flags", "7", "--json").out();
    assertThat(json)
        .contains("{\"from\":\"STOP\",\"to\":\"RUNNING\",\"arcs\":[\"RUNNING_P2P\",\"RUNNING\"]}")
        .contains("{\"from\":\"STOP_COPY\",\"to\":\"PRE_COPY\",\"errno\":\"EINVAL\"}")
        .contains("{\"from\":\"RUNNING\",\"to\":\"RUNNING\",\"arcs\":[]}")
        .contains("{\"from\":\"ERROR\",\"to\":\"ERROR\",\"arcs\":[]}")
        .contains("{\"from\":\"ERROR\",\"to\":\"RUNNING\",\"errno\":\"EINVAL\"}");
  }

  @Test
  void dotHasEverySingleArcOfTheFlagSetOnce() {
    CliRun r = run("fsm", "--flags", "7", "--dot");
    assertThat(r.code()).isZero();
    List<String> edges = r.out().lines().filter(l -> l.contains("->")).toList();
    // spec 6.1: 4 arcs always, 4 with P2P, 7 with PRE_COPY and P2P
    assertThat(edges).hasSize(15).doesNotHaveDuplicates();
    assertThat(r.out())
        .startsWith("digraph vfio_migration_0x7 {")
        .contains("STOP -> STOP_COPY [label=\"fd\"];")
        .contains("PRE_COPY_P2P -> STOP_COPY;")
        .contains("ERROR [style=dashed];");
    assertThat(run("fsm", "--flags", "1", "--dot").out().lines().filter(l -> l.contains("->")))
        .hasSize(6);
  }

  @Test
  void textIsReadableAndBadFlagsAreAUsageError() {
    CliRun text = run("fsm", "--flags", "5");
    assertThat(text.code()).isZero();
    assertThat(text.out())
        .contains("migration flags 0x5")
        .contains("PRE_COPY     to STOP_COPY     PRE_COPY -> STOP_COPY")
        .contains("STOP_COPY    to PRE_COPY      -1 EINVAL");
    for (String bad : List.of("0", "2", "8", "x")) {
      CliRun r = run("fsm", "--flags", bad);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).startsWith("jvfio fsm: --flags " + bad + ": must be 1, 3, 5 or 7");
    }
  }
}
