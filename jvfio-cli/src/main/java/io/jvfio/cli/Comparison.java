package io.jvfio.cli;

import io.jvfio.cli.ResultFile.Check;
import io.jvfio.cli.ResultFile.Device;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Two result files set side by side, check by check. Devices are paired by name (BDF or mdev UUID),
 * then the ones left over by position; checks of a pair by name (the n-th check of a name with the
 * n-th of that name on the other side). A check agrees when both sides have the same status and the
 * same actual; a disagreement or a one-sided check that {@link KnownDifferences} lists is known,
 * any other is a difference.
 */
record Comparison(List<Pair> pairs, List<KnownDifferences.Entry> unusedKnown) {

  /** What one check came to. */
  enum Outcome {
    EQUAL("equal"),
    KNOWN("known"),
    DIFFERS("differs"),
    NATIVE_ONLY("native-only"),
    EMULATED_ONLY("emulated-only");

    final String label;

    Outcome(String label) {
      this.label = label;
    }
  }

  /** How two devices were paired. */
  enum MatchedBy {
    NAME,
    POSITION,
    NONE
  }

  /**
   * One check: either side may be null (one-sided); {@code known} is the list entry that explains
   * it, {@code outcome} says whether it would differ without that entry.
   */
  record Row(
      String name,
      Outcome outcome,
      Check nativeCheck,
      Check emulatedCheck,
      KnownDifferences.Entry known) {
    /** What the two sides disagree on, without the list: differs, native only, emulated only. */
    Outcome unexplained() {
      if (nativeCheck == null) {
        return Outcome.EMULATED_ONLY;
      }
      return emulatedCheck == null ? Outcome.NATIVE_ONLY : Outcome.DIFFERS;
    }
  }

  /** Two devices (either may be null when the other side has no counterpart) and their checks. */
  record Pair(Device nativeDevice, Device emulatedDevice, MatchedBy matchedBy, List<Row> rows) {}

  static Comparison of(ResultFile nat, ResultFile emu, KnownDifferences known) {
    List<Device> n = nat.devices();
    List<Device> e = emu.devices();
    Integer[] partner = new Integer[n.size()];
    MatchedBy[] by = new MatchedBy[n.size()];
    Set<Integer> freeE = new LinkedHashSet<>();
    for (int j = 0; j < e.size(); j++) {
      freeE.add(j);
    }
    for (int i = 0; i < n.size(); i++) {
      String name = n.get(i).name();
      if (name == null) {
        continue;
      }
      for (int j : freeE) {
        if (name.equals(e.get(j).name())) {
          partner[i] = j;
          by[i] = MatchedBy.NAME;
          freeE.remove(j);
          break;
        }
      }
    }
    var leftE = new ArrayList<>(freeE).iterator();
    for (int i = 0; i < n.size(); i++) {
      if (partner[i] == null && leftE.hasNext()) {
        int j = leftE.next();
        partner[i] = j;
        by[i] = MatchedBy.POSITION;
        freeE.remove(j);
      }
    }
    Set<KnownDifferences.Entry> used = new LinkedHashSet<>();
    List<Pair> pairs = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      Device other = partner[i] == null ? null : e.get(partner[i]);
      pairs.add(pair(n.get(i), other, partner[i] == null ? MatchedBy.NONE : by[i], known, used));
    }
    for (int j : freeE) {
      pairs.add(pair(null, e.get(j), MatchedBy.NONE, known, used));
    }
    List<KnownDifferences.Entry> unused =
        known.entries().stream().filter(k -> !used.contains(k)).toList();
    return new Comparison(List.copyOf(pairs), unused);
  }

  private static Pair pair(
      Device nd,
      Device ed,
      MatchedBy by,
      KnownDifferences known,
      Set<KnownDifferences.Entry> used) {
    Map<String, Check> nChecks = keyed(nd);
    Map<String, Check> eChecks = keyed(ed);
    List<Row> rows = new ArrayList<>();
    for (var en : nChecks.entrySet()) {
      rows.add(row(en.getValue(), eChecks.remove(en.getKey()), known, used));
    }
    for (Check c : eChecks.values()) {
      rows.add(row(null, c, known, used));
    }
    return new Pair(nd, ed, by, List.copyOf(rows));
  }

  private static Row row(
      Check n, Check e, KnownDifferences known, Set<KnownDifferences.Entry> used) {
    String name = n != null ? n.name() : e.name();
    if (n != null
        && e != null
        && n.status().equals(e.status())
        && Objects.equals(n.actual(), e.actual())) {
      return new Row(name, Outcome.EQUAL, n, e, null);
    }
    var entry = known.match(name);
    if (entry.isPresent()) {
      used.add(entry.get());
      return new Row(name, Outcome.KNOWN, n, e, entry.get());
    }
    Outcome o =
        n == null ? Outcome.EMULATED_ONLY : e == null ? Outcome.NATIVE_ONLY : Outcome.DIFFERS;
    return new Row(name, o, n, e, null);
  }

  /** A device's checks by "name#occurrence", in order; empty for no device. */
  private static Map<String, Check> keyed(Device d) {
    Map<String, Check> out = new LinkedHashMap<>();
    if (d == null) {
      return out;
    }
    Map<String, Integer> seen = new HashMap<>();
    for (Check c : d.checks()) {
      int k = seen.merge(c.name(), 1, Integer::sum);
      out.put(c.name() + "#" + k, c);
    }
    return out;
  }

  /** How many checks came to {@code o}, over every pair. */
  long count(Outcome o) {
    return pairs.stream().flatMap(p -> p.rows().stream()).filter(r -> r.outcome() == o).count();
  }

  long checks() {
    return pairs.stream().mapToLong(p -> p.rows().size()).sum();
  }

  /** Differences the list does not explain: what makes {@code jvfio compare} exit 1. */
  long unexplained() {
    return count(Outcome.DIFFERS) + count(Outcome.NATIVE_ONLY) + count(Outcome.EMULATED_ONLY);
  }
}
