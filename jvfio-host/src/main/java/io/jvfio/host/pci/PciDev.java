package io.jvfio.host.pci;

/** A PCI function of a running host: its description plus where it sits in the tree. */
public final class PciDev {
  private final FunctionSpec spec;
  private final PciBus bus;
  private final SlotSpec slot;
  PciBus subordinate;
  private String name; // made on first use: building a host names few functions

  PciDev(FunctionSpec spec, PciBus bus, SlotSpec slot) {
    this.spec = spec;
    this.bus = bus;
    this.slot = slot;
  }

  public FunctionSpec spec() {
    return spec;
  }

  public PciAddress address() {
    return spec.address();
  }

  /** {@code pci_name()}. */
  public String name() {
    String n = name;
    if (n == null) {
      n = spec.address().toString();
      name = n; // racy but benign: every thread computes the same immutable string
    }
    return n;
  }

  public PciBus bus() {
    return bus;
  }

  /** The hotplug slot holding this function, or null. */
  public SlotSpec slot() {
    return slot;
  }

  /** The bus behind this bridge, or null for an endpoint. */
  public PciBus subordinate() {
    return subordinate;
  }

  public Driver driver() {
    return spec.driver();
  }

  @Override
  public String toString() {
    return name();
  }
}
