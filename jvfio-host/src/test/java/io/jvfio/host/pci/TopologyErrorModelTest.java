package io.jvfio.host.pci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded random topologies full of cross-line mistakes (duplicate functions, two bridges to a bus,
 * bridge loops, misplaced or duplicate slots, duplicate mdevs or mdevs in a used group): {@link
 * Topology#parse} must name the same line and message as the straightforward check it replaced,
 * which re-validates every prefix of the functions, then every prefix of the slots, walking each
 * function's bridges up to the root, then checks the mdevs one by one in their order.
 */
class TopologyErrorModelTest {
  private record Line(int number, String text) {}

  /** The function a generated line describes (a line alone may already be refused: a loop). */
  private static FunctionSpec spec(String line) {
    String[] t = line.split("\\s+");
    boolean bridge = t[0].equals("bridge");
    String[] opt = t[3].split("=");
    return new FunctionSpec(
        PciAddress.parse(t[1]),
        bridge ? 0x8086 : 0x1234,
        bridge ? 0xa110 : 0x11e8,
        bridge ? new Driver.Host("pcieport") : new Driver.VfioPci("plain"),
        bridge ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(opt[1])),
        false,
        bridge ? OptionalInt.of(Integer.parseInt(opt[1], 16)) : OptionalInt.empty(),
        bridge);
  }

  /** The old whole-list check, kept as the model. */
  private static void oldValidate(List<FunctionSpec> functions, List<SlotSpec> slots) {
    Set<PciAddress> seen = new HashSet<>();
    Map<Long, FunctionSpec> bridgeOf = new HashMap<>();
    Set<Long> buses = new HashSet<>();
    for (FunctionSpec f : functions) {
      if (!seen.add(f.address())) {
        throw new IllegalArgumentException("duplicate function " + f.address());
      }
      buses.add(Topology.busKey(f.address().domain(), f.address().bus()));
      if (f.isBridge()) {
        long key = Topology.busKey(f.address().domain(), f.secondaryBus().getAsInt());
        if (bridgeOf.put(key, f) != null) {
          throw new IllegalArgumentException(
              "two bridges lead to bus " + Integer.toHexString(f.secondaryBus().getAsInt()));
        }
      }
    }
    for (FunctionSpec f : functions) {
      Set<Long> visited = new HashSet<>();
      long bus = Topology.busKey(f.address().domain(), f.address().bus());
      while (bridgeOf.containsKey(bus)) {
        if (!visited.add(bus)) {
          throw new IllegalArgumentException("bridges form a loop above " + f.address());
        }
        PciAddress up = bridgeOf.get(bus).address();
        bus = Topology.busKey(up.domain(), up.bus());
      }
    }
    Set<Long> slotKeys = new HashSet<>();
    for (SlotSpec s : slots) {
      long key = Topology.busKey(s.domain(), s.bus());
      if (!buses.contains(key)) {
        throw new IllegalArgumentException("slot " + s + " is on a bus with no functions");
      }
      if (!bridgeOf.containsKey(key)) {
        throw new IllegalArgumentException(
            "slot " + s + " is on a root bus; slots sit behind a bridge");
      }
      if (!slotKeys.add(key << 8 | s.device())) {
        throw new IllegalArgumentException("duplicate slot " + s);
      }
    }
  }

  /** The message the old parse gave for these lines, or null when they were accepted. */
  private static String oldError(
      List<Line> functionLines, List<Line> slotLines, List<Line> mdevLines) {
    List<FunctionSpec> functions = new ArrayList<>();
    for (Line l : functionLines) {
      functions.add(spec(l.text()));
      try {
        oldValidate(functions, List.of());
      } catch (IllegalArgumentException e) {
        return "line " + l.number() + ": " + e.getMessage();
      }
    }
    List<SlotSpec> slots = new ArrayList<>();
    for (Line l : slotLines) {
      String[] p = l.text().split("\\s+")[1].split(":");
      slots.add(
          new SlotSpec(
              Integer.parseInt(p[0], 16),
              Integer.parseInt(p[1], 16),
              Integer.parseInt(p[2], 16),
              l.text().endsWith("yes")));
      try {
        oldValidate(functions, slots);
      } catch (IllegalArgumentException e) {
        return "line " + l.number() + ": " + e.getMessage();
      }
    }
    Set<Integer> pciGroups = new HashSet<>();
    functions.forEach(f -> f.iommuGroup().ifPresent(pciGroups::add));
    Set<String> names = new HashSet<>();
    Set<Integer> mdevGroups = new HashSet<>();
    for (Line l : mdevLines) {
      String[] t = l.text().split("\\s+");
      String uuid = t[1];
      int group = Integer.parseInt(t[4].substring("group=".length()));
      String error = null;
      if (!names.add(uuid)) {
        error = "duplicate mdev " + uuid;
      } else if (pciGroups.contains(group)) {
        error = "mdev " + uuid + " is in group " + group + ", which PCI functions use";
      } else if (!mdevGroups.add(group)) {
        error = "mdev " + uuid + " is in group " + group + ", which another mdev uses";
      }
      if (error != null) {
        return "line " + l.number() + ": " + error;
      }
    }
    return null;
  }

  @Test
  void parseBlamesTheSameLineAsThePrefixByPrefixCheck() {
    int accepted = 0;
    int refused = 0;
    for (long seed = 1; seed <= 400; seed++) {
      Random rnd = new Random(seed);
      int buses = 2 + rnd.nextInt(6);
      List<String> texts = new ArrayList<>();
      int n = 3 + rnd.nextInt(20);
      for (int i = 0; i < n; i++) {
        String bdf =
            String.format("0000:%02x:%02x.%d", rnd.nextInt(buses), rnd.nextInt(8), rnd.nextInt(4));
        if (rnd.nextInt(7) == 0) {
          texts.add(
              String.format(
                  "bridge %s 8086:a110 secondary=%02x driver=host:pcieport",
                  bdf, 1 + rnd.nextInt(buses)));
        } else {
          texts.add("function " + bdf + " 1234:11e8 group=" + rnd.nextInt(9) + " driver=vfio-pci");
        }
      }
      for (int i = rnd.nextInt(3); i > 0; i--) {
        texts.add(
            String.format(
                "slot 0000:%02x:%02x reset=%s",
                rnd.nextInt(buses), rnd.nextInt(8), rnd.nextBoolean() ? "yes" : "no"));
      }
      for (int i = rnd.nextInt(4); i > 0; i--) {
        texts.add(
            String.format(
                "mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1%03x parent=mtty type=mtty-%d group=%d",
                rnd.nextInt(24),
                1 + rnd.nextInt(2),
                // now and then a group the functions (groups 0 to 8) use
                rnd.nextInt(8) == 0 ? rnd.nextInt(9) : 9 + rnd.nextInt(16)));
      }
      java.util.Collections.shuffle(texts, rnd);
      StringBuilder text = new StringBuilder();
      List<Line> functionLines = new ArrayList<>();
      List<Line> slotLines = new ArrayList<>();
      List<Line> mdevLines = new ArrayList<>();
      int number = 0;
      for (String t : texts) {
        if (rnd.nextInt(5) == 0) {
          text.append("# a comment\n");
          number++;
        }
        text.append(t).append('\n');
        number++;
        (t.startsWith("slot") ? slotLines : t.startsWith("mdev") ? mdevLines : functionLines)
            .add(new Line(number, t));
      }
      String want = oldError(functionLines, slotLines, mdevLines);
      String got;
      try {
        Topology.parse(text.toString());
        got = null;
        accepted++;
      } catch (IllegalArgumentException e) {
        got = e.getMessage();
        refused++;
      }
      assertThat(got).as("seed %d:%n%s", seed, text).isEqualTo(want);
    }
    // both outcomes must be common, or the comparison proves little
    assertThat(accepted).isGreaterThan(40);
    assertThat(refused).isGreaterThan(40);
  }
}
