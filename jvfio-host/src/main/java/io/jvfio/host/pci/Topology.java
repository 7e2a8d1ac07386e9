package io.jvfio.host.pci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A declarative description of a host's PCI hardware: functions (endpoints and bridges), slots,
 * drivers and IOMMU groups. Built in code with {@link #builder()} or read from text with {@link
 * #parse}; {@link #format()} writes the same text back. Everything else (device sets, reset scopes,
 * device nodes) is derived from it as Linux derives it.
 *
 * <p>Text form, one item per line, {@code #} starts a comment:
 *
 * <pre>
 * function 0000:00:02.0 1b36:0010 driver=vfio-pci group=1 flr=yes
 * bridge   0000:00:1c.0 8086:a110 secondary=01 bus-reset=yes group=2
 * slot     0000:01:00 reset=yes
 * mdev     83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 parent=mtty type=mtty-2 group=4
 * </pre>
 *
 * <p>Mediated devices keep the order they are written in: it is the order they were created, which
 * numbers their cdevs after every vfio-pci function's.
 */
public record Topology(List<FunctionSpec> functions, List<SlotSpec> slots, List<MdevSpec> mdevs) {

  public Topology {
    functions = functions.stream().sorted(Comparator.comparing(FunctionSpec::address)).toList();
    slots = List.copyOf(slots);
    mdevs = List.copyOf(mdevs);
    validate(functions, slots, mdevs);
  }

  /** A topology without mediated devices. */
  public Topology(List<FunctionSpec> functions, List<SlotSpec> slots) {
    this(functions, slots, List.of());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Parses the text form; errors name the line. */
  public static Topology parse(String text) {
    Builder b = new Builder();
    List<Integer> functionLines = new ArrayList<>();
    List<Integer> slotLines = new ArrayList<>();
    List<Integer> mdevLines = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        parseLine(b, tokens(line));
      } catch (IllegalArgumentException e) {
        throw atLine(i + 1, e);
      }
      if (b.functions.size() > functionLines.size()) {
        functionLines.add(i + 1);
      } else if (b.slots.size() > slotLines.size()) {
        slotLines.add(i + 1);
      } else {
        mdevLines.add(i + 1);
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // fall through to find the line to blame
    }
    // checks across lines, blamed on the first line that breaks them: once a prefix of the lines
    // breaks one it stays broken, so the first such line is found by bisection
    int bad =
        firstFailingPrefix(
            b.functions.size(), j -> validate(b.functions.subList(0, j), List.of(), List.of()));
    if (bad > 0) {
      rethrowAt(
          functionLines.get(bad - 1),
          () -> validate(b.functions.subList(0, bad), List.of(), List.of()));
    }
    int badSlot =
        firstFailingPrefix(
            b.slots.size(), j -> validate(b.functions, b.slots.subList(0, j), List.of()));
    if (badSlot > 0) {
      rethrowAt(
          slotLines.get(badSlot - 1),
          () -> validate(b.functions, b.slots.subList(0, badSlot), List.of()));
    }
    int badMdev =
        firstFailingPrefix(
            b.mdevs.size(), j -> validate(b.functions, b.slots, b.mdevs.subList(0, j)));
    if (badMdev > 0) {
      rethrowAt(
          mdevLines.get(badMdev - 1),
          () -> validate(b.functions, b.slots, b.mdevs.subList(0, badMdev)));
    }
    throw new IllegalStateException("a topology failed its checks but no prefix of it does");
  }

  /** The length of the shortest failing prefix of {@code n} items, or 0 when all of them pass. */
  private static int firstFailingPrefix(int n, IntConsumer check) {
    if (passes(check, n)) {
      return 0;
    }
    int lo = 0; // passes
    int hi = n; // fails
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (passes(check, mid)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  private static boolean passes(IntConsumer check, int prefix) {
    try {
      check.accept(prefix);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void rethrowAt(int line, Runnable check) {
    try {
      check.run();
    } catch (IllegalArgumentException e) {
      throw atLine(line, e);
    }
    throw new IllegalStateException("a failing prefix passed on the second run");
  }

  private static IllegalArgumentException atLine(int line, IllegalArgumentException e) {
    return new IllegalArgumentException("line " + line + ": " + e.getMessage(), e);
  }

  /** The whitespace-separated fields of a stripped, non-empty line (no regex: one per line). */
  private static String[] tokens(String line) {
    List<String> out = new ArrayList<>(8);
    int i = 0;
    int n = line.length();
    while (i < n) {
      int start = i;
      while (i < n && !Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      out.add(line.substring(start, i));
      while (i < n && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
    }
    return out.toArray(String[]::new);
  }

  private static final Set<String> FUNCTION_OPTIONS = Set.of("driver", "group", "flr");
  private static final Set<String> BRIDGE_OPTIONS =
      Set.of("driver", "group", "flr", "secondary", "bus-reset");
  private static final Set<String> MDEV_OPTIONS = Set.of("parent", "type", "group");

  private static void parseLine(Builder b, String[] t) {
    Map<String, String> opts = new HashMap<>();
    int positional = t[0].equals("slot") || t[0].equals("mdev") ? 2 : 3;
    if (t.length < positional) {
      throw new IllegalArgumentException("too few fields for " + t[0]);
    }
    for (int i = positional; i < t.length; i++) {
      int eq = t[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got " + t[i]);
      }
      if (opts.put(t[i].substring(0, eq), t[i].substring(eq + 1)) != null) {
        throw new IllegalArgumentException("duplicate option " + t[i].substring(0, eq));
      }
    }
    switch (t[0]) {
      case "function", "bridge" -> {
        boolean bridge = t[0].equals("bridge");
        PciAddress a = PciAddress.parse(t[1]);
        int[] ids = parseIds(t[2]);
        Driver driver =
            Driver.parse(opts.getOrDefault("driver", bridge ? "host:pcieport" : "none"));
        OptionalInt group = parseGroup(opts.getOrDefault("group", "none"));
        boolean flr = yesNo(opts.getOrDefault("flr", "no"), "flr");
        OptionalInt secondary = OptionalInt.empty();
        boolean busReset = false;
        if (bridge) {
          if (!opts.containsKey("secondary")) {
            throw new IllegalArgumentException("bridge needs secondary=BUS");
          }
          secondary = OptionalInt.of(hex(opts.get("secondary"), 2, "secondary"));
          busReset = yesNo(opts.getOrDefault("bus-reset", "yes"), "bus-reset");
        }
        Set<String> known = bridge ? BRIDGE_OPTIONS : FUNCTION_OPTIONS;
        for (String k : opts.keySet()) {
          if (!known.contains(k)) {
            throw new IllegalArgumentException("unknown option " + k + " for " + t[0]);
          }
        }
        b.functions.add(
            new FunctionSpec(a, ids[0], ids[1], driver, group, flr, secondary, busReset));
      }
      case "slot" -> {
        String[] p = t[1].split(":");
        if (p.length != 3) {
          throw new IllegalArgumentException("slot is DDDD:BB:SS, got " + t[1]);
        }
        for (String k : opts.keySet()) {
          if (!k.equals("reset")) {
            throw new IllegalArgumentException("unknown option " + k + " for slot");
          }
        }
        b.slots.add(
            new SlotSpec(
                hex(p[0], 4, "slot domain"),
                hex(p[1], 2, "slot bus"),
                hex(p[2], 2, "slot number"),
                yesNo(opts.getOrDefault("reset", "yes"), "reset")));
      }
      case "mdev" -> {
        for (String k : opts.keySet()) {
          if (!MDEV_OPTIONS.contains(k)) {
            throw new IllegalArgumentException("unknown option " + k + " for mdev");
          }
        }
        for (String k : List.of("parent", "type", "group")) {
          if (!opts.containsKey(k)) {
            throw new IllegalArgumentException("mdev needs " + k + "=");
          }
        }
        OptionalInt group = parseGroup(opts.get("group"));
        if (group.isEmpty()) {
          throw new IllegalArgumentException("an mdev always has an IOMMU group of its own");
        }
        b.mdevs.add(
            new MdevSpec(
                t[1], MdevType.require(opts.get("parent"), opts.get("type")), group.getAsInt()));
      }
      default -> throw new IllegalArgumentException("unknown item " + t[0]);
    }
  }

  private static int[] parseIds(String s) {
    String[] p = s.split(":");
    if (p.length != 2 || p[0].length() != 4 || p[1].length() != 4) {
      throw new IllegalArgumentException("ids are VVVV:DDDD in hex, got " + s);
    }
    return new int[] {hex(p[0], 4, "vendor id"), hex(p[1], 4, "device id")};
  }

  // Integer.parseInt takes a sign ("-b36" is a 4-character id of -0xb36): digits only, so every
  // value is one that format() writes back the same
  private static int hex(String s, int maxDigits, String what) {
    if (s.isEmpty() || s.length() > maxDigits || !s.chars().allMatch(Topology::isHexDigit)) {
      throw new IllegalArgumentException(
          what + " must be 1 to " + maxDigits + " hex digits, got " + s);
    }
    return Integer.parseInt(s, 16);
  }

  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static OptionalInt parseGroup(String s) {
    if (s.equals("none")) {
      return OptionalInt.empty();
    }
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "group must be a decimal number from 0 to 999999999, got " + s);
    }
    return OptionalInt.of(Integer.parseInt(s));
  }

  private static boolean yesNo(String s, String key) {
    return switch (s) {
      case "yes" -> true;
      case "no" -> false;
      default -> throw new IllegalArgumentException(key + " must be yes or no, got " + s);
    };
  }

  /** The text form; {@code parse(format())} gives an equal topology. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (FunctionSpec f : functions) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-8s %s %04x:%04x driver=%s group=%s flr=%s",
              f.isBridge() ? "bridge" : "function",
              f.address(),
              f.vendor(),
              f.device(),
              f.driver(),
              f.iommuGroup().isPresent() ? Integer.toString(f.iommuGroup().getAsInt()) : "none",
              f.flr() ? "yes" : "no"));
      if (f.isBridge()) {
        sb.append(
            String.format(
                " secondary=%02x bus-reset=%s",
                f.secondaryBus().getAsInt(), f.busReset() ? "yes" : "no"));
      }
      sb.append('\n');
    }
    for (SlotSpec s : slots) {
      sb.append(String.format("slot     %s reset=%s%n", s, s.resetWorks() ? "yes" : "no"));
    }
    for (MdevSpec m : mdevs) {
      sb.append("mdev     ")
          .append(m.uuid())
          .append(" parent=")
          .append(m.type().parent())
          .append(" type=")
          .append(m.type().name())
          .append(" group=")
          .append(m.iommuGroup())
          .append('\n');
    }
    return sb.toString();
  }

  private static void validate(
      List<FunctionSpec> functions, List<SlotSpec> slots, List<MdevSpec> mdevs) {
    Set<PciAddress> seen = HashSet.newHashSet(functions.size());
    Map<Long, FunctionSpec> bridgeOf = new HashMap<>();
    Set<Long> buses = new HashSet<>();
    for (FunctionSpec f : functions) {
      if (!seen.add(f.address())) {
        throw new IllegalArgumentException("duplicate function " + f.address());
      }
      buses.add(busKey(f.address().domain(), f.address().bus()));
      if (f.isBridge()) {
        long key = busKey(f.address().domain(), f.secondaryBus().getAsInt());
        if (bridgeOf.put(key, f) != null) {
          throw new IllegalArgumentException(
              "two bridges lead to bus " + Integer.toHexString(f.secondaryBus().getAsInt()));
        }
      }
    }
    // walk up to a root bus; a cycle of bridges never reaches one. Buses already seen to reach
    // one end later walks, so every bus is walked over once.
    Set<Long> reachRoot = new HashSet<>();
    for (FunctionSpec f : functions) {
      long bus = busKey(f.address().domain(), f.address().bus());
      if (!bridgeOf.containsKey(bus) || reachRoot.contains(bus)) {
        continue;
      }
      Set<Long> visited = new HashSet<>();
      while (bridgeOf.containsKey(bus) && !reachRoot.contains(bus)) {
        if (!visited.add(bus)) {
          throw new IllegalArgumentException("bridges form a loop above " + f.address());
        }
        PciAddress up = bridgeOf.get(bus).address();
        bus = busKey(up.domain(), up.bus());
      }
      reachRoot.addAll(visited);
    }
    Set<Long> slotKeys = new HashSet<>();
    for (SlotSpec s : slots) {
      if (!buses.contains(busKey(s.domain(), s.bus()))) {
        throw new IllegalArgumentException("slot " + s + " is on a bus with no functions");
      }
      if (!bridgeOf.containsKey(busKey(s.domain(), s.bus()))) {
        throw new IllegalArgumentException(
            "slot " + s + " is on a root bus; slots sit behind a bridge");
      }
      if (!slotKeys.add(busKey(s.domain(), s.bus()) << 8 | s.device())) {
        throw new IllegalArgumentException("duplicate slot " + s);
      }
    }
    if (mdevs.isEmpty()) {
      return; // a host of thousands of functions and no mdevs pays nothing below
    }
    Set<Integer> pciGroups = new HashSet<>();
    for (FunctionSpec f : functions) {
      f.iommuGroup().ifPresent(pciGroups::add);
    }
    Set<String> names = new HashSet<>();
    Set<Integer> mdevGroups = new HashSet<>();
    for (MdevSpec m : mdevs) {
      if (!names.add(m.uuid())) {
        throw new IllegalArgumentException("duplicate mdev " + m.uuid());
      }
      // vfio gives each emulated IOMMU device a new group; no other device can be in it
      if (pciGroups.contains(m.iommuGroup())) {
        throw new IllegalArgumentException(
            "mdev " + m.uuid() + " is in group " + m.iommuGroup() + ", which PCI functions use");
      }
      if (!mdevGroups.add(m.iommuGroup())) {
        throw new IllegalArgumentException(
            "mdev " + m.uuid() + " is in group " + m.iommuGroup() + ", which another mdev uses");
      }
    }
  }

  static long busKey(int domain, int bus) {
    return ((long) domain << 8) | bus;
  }

  /** Builds a topology in code; functions may be added in any order. */
  public static final class Builder {
    private final List<FunctionSpec> functions = new ArrayList<>();
    private final List<SlotSpec> slots = new ArrayList<>();
    private final List<MdevSpec> mdevs = new ArrayList<>();

    /** An endpoint function. */
    public Builder function(String bdf, int vendor, int device, String driver, int group) {
      return function(bdf, vendor, device, driver, OptionalInt.of(group), false);
    }

    public Builder function(
        String bdf, int vendor, int device, String driver, OptionalInt group, boolean flr) {
      functions.add(
          new FunctionSpec(
              PciAddress.parse(bdf),
              vendor,
              device,
              Driver.parse(driver),
              group,
              flr,
              OptionalInt.empty(),
              false));
      return this;
    }

    /** A bridge (bound to the host's pcieport driver) leading to {@code secondaryBus}. */
    public Builder bridge(
        String bdf, int vendor, int device, int secondaryBus, boolean busReset, int group) {
      functions.add(
          new FunctionSpec(
              PciAddress.parse(bdf),
              vendor,
              device,
              new Driver.Host("pcieport"),
              OptionalInt.of(group),
              false,
              OptionalInt.of(secondaryBus),
              busReset));
      return this;
    }

    /** A hotplug slot at {@code DDDD:BB:SS}. */
    public Builder slot(String slot, boolean resetWorks) {
      String[] p = slot.split(":");
      slots.add(
          new SlotSpec(
              Integer.parseInt(p[0], 16),
              Integer.parseInt(p[1], 16),
              Integer.parseInt(p[2], 16),
              resetWorks));
      return this;
    }

    /** A mediated device of {@code parent}'s {@code type}, created after those added before it. */
    public Builder mdev(String uuid, String parent, String type, int group) {
      mdevs.add(new MdevSpec(uuid, MdevType.require(parent, type), group));
      return this;
    }

    public Topology build() {
      return new Topology(functions, slots, mdevs);
    }
  }
}
