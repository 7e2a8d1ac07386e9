package io.jvfio.host.migration;

import io.jvfio.uapi.vfio.MigrationState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The expected paths of {@code fsm-paths.txt}: worked out by hand from the uAPI's rules (see the
 * file's header), kept as data so that no test compares the FSM with a copy of itself.
 */
public final class ExpectedFsmPaths {
  /**
   * One (from, to) pair on a device with {@code flags}: the states passed through (empty when the
   * device is there already), or {@code einval}.
   */
  public record Expected(
      long flags,
      MigrationState from,
      MigrationState to,
      List<MigrationState> path,
      boolean einval) {
    @Override
    public String toString() {
      return String.format(
          "0x%x %s -> %s : %s", flags, from, to, einval ? "EINVAL" : path.isEmpty() ? "-" : path);
    }
  }

  /**
   * The arcs the uAPI says return a new data_fd (on a device without P2P, RUNNING_P2P and
   * PRE_COPY_P2P do not occur).
   */
  public static boolean opensSession(MigrationState from, MigrationState to) {
    return (from == MigrationState.STOP && to == MigrationState.STOP_COPY)
        || (from == MigrationState.STOP && to == MigrationState.RESUMING)
        || (from == MigrationState.RUNNING && to == MigrationState.PRE_COPY)
        || (from == MigrationState.RUNNING_P2P && to == MigrationState.PRE_COPY_P2P);
  }

  private ExpectedFsmPaths() {}

  /** Every line of the table, in file order. */
  public static List<Expected> all() {
    List<Expected> out = new ArrayList<>();
    long flags = -1;
    for (String raw : text().split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("flags ")) {
        flags = Long.decode(line.substring(6).strip());
        continue;
      }
      String[] sides = line.split(":");
      String[] pair = sides[0].strip().split("\\s+");
      if (flags < 0 || sides.length != 2 || pair.length != 2) {
        throw new IllegalStateException("fsm-paths.txt: bad line: " + raw);
      }
      String result = sides[1].strip();
      List<MigrationState> path = new ArrayList<>();
      boolean einval = result.equals("EINVAL");
      if (!einval && !result.equals("-")) {
        for (String s : result.split("\\s+")) {
          path.add(MigrationState.valueOf(s));
        }
      }
      out.add(
          new Expected(
              flags,
              MigrationState.valueOf(pair[0]),
              MigrationState.valueOf(pair[1]),
              List.copyOf(path),
              einval));
    }
    return out;
  }

  /** The lines for one flag set. */
  public static List<Expected> forFlags(long flags) {
    return all().stream().filter(e -> e.flags() == flags).toList();
  }

  private static String text() {
    try (InputStream in = ExpectedFsmPaths.class.getResourceAsStream("fsm-paths.txt")) {
      if (in == null) {
        throw new IllegalStateException("no fsm-paths.txt next to " + ExpectedFsmPaths.class);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
