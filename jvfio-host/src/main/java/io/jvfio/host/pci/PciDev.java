package io.jvfio.host.pci;

/** A PCI function of a running host: its description plus where it sits in the tree. */
public final class PciDev {
  private final FunctionSpec spec;
  private final PciBus bus;
  private final SlotSpec slot;
  PciBus subordinate;
  private String name; // made on first use: building a host names few functions
  private Object driverData;

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

  /**
   * What the bound driver keeps for this function ({@code pci_get_drvdata()}): vfio-pci's device,
   * or null.
   */
  public Object driverData() {
    return driverData;
  }

  /** {@code pci_set_drvdata()}, done once when the driver binds. */
  public void setDriverData(Object data) {
    if (driverData != null) {
      throw new IllegalStateException(name() + " already has a driver's data");
    }
    driverData = data;
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
