package io.jvfio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.uapi.vfio.MigrationState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The kit's rules agree with jvfio-host's hand-derived path table (used here only as data): a SET
 * fails exactly where the table says EINVAL, and a data fd comes back exactly when the table's path
 * takes one of the four arcs that open a session (linux-migration.md §5).
 */
class MigrationRulesTest {
  private static final Set<String> OPENING_ARCS =
      Set.of("STOP>STOP_COPY", "RUNNING>PRE_COPY", "RUNNING_P2P>PRE_COPY_P2P", "STOP>RESUMING");

  @Test
  void rulesMatchTheHandDerivedPathsForEveryFlagSet() throws IOException {
    long flags = -1;
    int compared = 0;
    for (String line : table()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("flags ")) {
        flags = Long.decode(line.substring(6).trim());
        continue;
      }
      String[] sides = line.split(":");
      String[] pair = sides[0].trim().split(" ");
      String result = sides[1].trim();
      int from = MigrationState.valueOf(pair[0]).value();
      int to = MigrationState.valueOf(pair[1]).value();
      if (!MigrationRules.exists(flags, from)) {
        continue; // ERROR rows: the kit never starts from a state it cannot reach
      }
      MigrationRules.Expected e = MigrationRules.set(flags, from, to);
      String where = String.format("flags 0x%x %s", flags, line);
      assertThat(e.ok()).as(where).isEqualTo(!result.equals("EINVAL"));
      assertThat(e.stateAfter()).as(where).isEqualTo(e.ok() ? to : from);
      assertThat(e.fd()).as(where).isEqualTo(opensSession(pair[0], result));
      compared++;
    }
    // flags 0x1, 0x3, 0x5, 0x7 have 4, 5, 5 and 7 states; each is asked for all eight
    assertThat(compared).isEqualTo((4 + 5 + 5 + 7) * 8);
  }

  private static boolean opensSession(String from, String result) {
    if (result.equals("-") || result.equals("EINVAL")) {
      return false;
    }
    List<String> path = new java.util.ArrayList<>(List.of(from));
    path.addAll(Arrays.asList(result.split(" ")));
    for (int i = 0; i + 1 < path.size(); i++) {
      if (OPENING_ARCS.contains(path.get(i) + ">" + path.get(i + 1))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> table() throws IOException {
    try (InputStream in =
        MigrationRulesTest.class.getResourceAsStream("/io/jvfio/host/migration/fsm-paths.txt")) {
      assertThat(in).as("jvfio-host's test-jar holds fsm-paths.txt").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }
}
