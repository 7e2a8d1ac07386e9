package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.vfio.MigrationFsm;
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

  /** The walk the core's FSM gives; ERROR and self pairs as the spec says. */
  private static String expected(long flags, MigrationState from, MigrationState to) {
    if (from == to) {
      return "";
    }
    try {
      return MigrationFsm.path(from, to, flags).stream()
          .map(s -> "\"" + s + "\"")
          .collect(Collectors.joining(","));
    } catch (KernelError e) {
      return "EINVAL";
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "3", "5", "7", "0x7"})
  void jsonListsEveryPairWithTheArcsTheModelSaw(String flagsText) {
    long flags = Long.decode(flagsText);
    CliRun r = run("fsm", "--flags", flagsText, "--json");
    assertThat(r.code()).isZero();
    String json = r.out().strip();
    assertThat(json)
        .startsWith("{\"result\":\"ok\",\"flags\":" + flags + ",\"paths\":[")
        .endsWith("]}");
    Matcher m = ENTRY.matcher(json);
    int n = 0;
    while (m.find()) {
      MigrationState from = MigrationState.valueOf(m.group(1));
      MigrationState to = MigrationState.valueOf(m.group(2));
      String got = m.group(3) != null ? m.group(3) : m.group(4);
      String want = expected(flags, from, to);
      if (from == MigrationState.ERROR || to == MigrationState.ERROR) {
        want = from == to ? "" : "EINVAL";
      }
      assertThat(got).as("%s -> %s", from, to).isEqualTo(want);
      n++;
    }
    int states = MigrationFsm.states(flags).size() + 1;
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
