package io.jvfio.host.pci;

import java.util.Set;

/** What is bound to a PCI function. */
public sealed interface Driver {
  /** vfio-pci, with the device model (by registry name) that plays the hardware. */
  record VfioPci(String model) implements Driver {
    @Override
    public String toString() {
      return "vfio-pci:" + model;
    }
  }

  /**
   * A host kernel driver. Most use the IOMMU group's default domain, which makes the group unusable
   * by user space; a driver that sets {@code driver_managed_dma} does no DMA of its own and leaves
   * DMA ownership alone.
   */
  record Host(String name) implements Driver {
    /**
     * Host drivers with {@code driver_managed_dma} (Linux 5.19 on): the PCIe port driver, whose
     * ports often share an IOMMU group with the endpoints below them, and pci-stub, which only
     * parks a device.
     */
    public static final Set<String> DRIVER_MANAGED_DMA = Set.of("pcieport", "pci-stub");

    /** Whether binding this driver leaves the group's DMA ownership unclaimed. */
    public boolean driverManagedDma() {
      return DRIVER_MANAGED_DMA.contains(name);
    }

    @Override
    public String toString() {
      return "host:" + name;
    }
  }

  /** No driver bound. */
  record None() implements Driver {
    @Override
    public String toString() {
      return "none";
    }
  }

  /** Parses {@code vfio-pci}, {@code vfio-pci:MODEL}, {@code host:NAME} or {@code none}. */
  static Driver parse(String s) {
    if (s.equals("none")) {
      return new None();
    }
    if (s.equals("vfio-pci")) {
      return new VfioPci(DEFAULT_MODEL);
    }
    if (s.startsWith("vfio-pci:") && s.length() > 9) {
      return new VfioPci(s.substring(9));
    }
    if (s.startsWith("host:") && s.length() > 5) {
      return new Host(s.substring(5));
    }
    throw new IllegalArgumentException(
        "driver must be vfio-pci, vfio-pci:MODEL, host:NAME or none, not " + s);
  }

  /** The model used when a topology says plain {@code vfio-pci}. */
  String DEFAULT_MODEL = "plain";
}
