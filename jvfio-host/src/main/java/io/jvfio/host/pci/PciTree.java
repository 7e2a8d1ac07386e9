package io.jvfio.host.pci;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The PCI hierarchy of a running host, with the reset rules of the Linux PCI core that vfio-pci
 * relies on: which resets work, and which functions a slot or bus reset touches.
 */
public final class PciTree {
  private final Map<PciAddress, PciDev> devices;
  private final List<PciDev> sorted;
  private final List<PciBus> roots = new ArrayList<>();
  // construction only: the topology's functions and slots by bus, and the buses built so far
  private final Map<Long, List<FunctionSpec>> functionsOnBus = new HashMap<>();
  private final Map<Long, FunctionSpec> bridgeOf = new HashMap<>();
  private final Map<Long, SlotSpec> slots = new HashMap<>();
  private final Map<Long, PciBus> buses = new HashMap<>();

  public PciTree(Topology topology) {
    devices = HashMap.newHashMap(topology.functions().size());
    for (FunctionSpec f : topology.functions()) {
      long bus = Topology.busKey(f.address().domain(), f.address().bus());
      functionsOnBus.computeIfAbsent(bus, k -> new ArrayList<>()).add(f);
      if (f.isBridge()) {
        bridgeOf.put(Topology.busKey(f.address().domain(), f.secondaryBus().getAsInt()), f);
      }
    }
    for (SlotSpec s : topology.slots()) {
      slots.put(slotKey(s.domain(), s.bus(), s.device()), s);
    }
    for (FunctionSpec f : topology.functions()) {
      bus(f.address().domain(), f.address().bus());
    }
    for (PciBus b : buses.values()) {
      b.devices.sort((x, y) -> x.address().compareTo(y.address()));
    }
    // the topology lists its functions in address order
    sorted = topology.functions().stream().map(f -> devices.get(f.address())).toList();
    functionsOnBus.clear();
    bridgeOf.clear();
    slots.clear();
    buses.clear();
  }

  private static long slotKey(int domain, int bus, int device) {
    return Topology.busKey(domain, bus) << 8 | device;
  }

  private PciBus bus(int domain, int number) {
    long key = Topology.busKey(domain, number);
    PciBus existing = buses.get(key);
    if (existing != null) {
      return existing;
    }
    FunctionSpec bridgeSpec = bridgeOf.get(key);
    PciDev self = null;
    if (bridgeSpec != null) {
      PciBus parent = bus(domain, bridgeSpec.address().bus());
      self = device(bridgeSpec, parent);
    }
    PciBus bus = new PciBus(domain, number, self);
    if (self != null) {
      self.subordinate = bus;
    } else {
      roots.add(bus);
    }
    buses.put(key, bus);
    for (FunctionSpec f : functionsOnBus.getOrDefault(key, List.of())) {
      device(f, bus);
    }
    return bus;
  }

  private PciDev device(FunctionSpec f, PciBus bus) {
    PciDev d = devices.get(f.address());
    if (d == null) {
      PciAddress a = f.address();
      d = new PciDev(f, bus, slots.get(slotKey(a.domain(), a.bus(), a.device())));
      devices.put(a, d);
      bus.add(d);
    }
    return d;
  }

  /** Every function in address order. */
  public List<PciDev> devices() {
    return sorted;
  }

  public Optional<PciDev> find(PciAddress a) {
    return Optional.ofNullable(devices.get(a));
  }

  public List<PciBus> roots() {
    return roots.stream().sorted((a, b) -> a.toString().compareTo(b.toString())).toList();
  }

  /** {@code pci_probe_reset_slot(dev->slot) == 0}. */
  public static boolean slotResetWorks(PciDev dev) {
    return dev.slot() != null && dev.slot().resetWorks() && !dev.bus().isRoot();
  }

  /** {@code pci_probe_reset_bus(bus) == 0}: not a root bus, and nothing below forbids it. */
  public static boolean busResetWorks(PciBus bus) {
    return !bus.isRoot() && resettable(bus);
  }

  private static boolean resettable(PciBus bus) {
    if (bus.self() != null && !bus.self().spec().busReset()) {
      return false;
    }
    for (PciDev d : bus.devices) {
      if (d.subordinate() != null && !resettable(d.subordinate())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code pci_try_reset_function} can reset just this function: a function-level reset, or
   * a slot or secondary-bus reset when the function is alone there.
   */
  public static boolean functionResetWorks(PciDev dev) {
    if (dev.spec().flr()) {
      return true;
    }
    if (dev.subordinate() != null) {
      return false;
    }
    boolean multifunction = dev.bus().functionsOf(dev.address().device()) > 1;
    if (!multifunction && slotResetWorks(dev)) {
      return true;
    }
    PciBus bus = dev.bus();
    return !bus.isRoot() && bus.self().spec().busReset() && bus.devices.size() == 1;
  }

  /**
   * The functions a hot reset of {@code dev} touches, in PCI walk order: its slot when a slot reset
   * works, else its bus when a bus reset works, each with every bus below; empty when neither.
   */
  public static Optional<List<PciDev>> resetScope(PciDev dev) {
    List<PciDev> scope = new ArrayList<>();
    if (slotResetWorks(dev)) {
      for (PciDev d : dev.bus().devices) {
        if (dev.slot().contains(d.address())) {
          walk(d, scope::add);
        }
      }
      return Optional.of(scope);
    }
    if (busResetWorks(dev.bus())) {
      for (PciDev d : dev.bus().devices) {
        walk(d, scope::add);
      }
      return Optional.of(scope);
    }
    return Optional.empty();
  }

  private static void walk(PciDev d, Consumer<PciDev> visit) {
    visit.accept(d);
    if (d.subordinate() != null) {
      for (PciDev c : d.subordinate().devices) {
        walk(c, visit);
      }
    }
  }
}
