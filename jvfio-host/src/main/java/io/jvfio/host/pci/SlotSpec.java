package io.jvfio.host.pci;

/** A physical (hotplug) slot: the functions with this device number on this bus. */
public record SlotSpec(int domain, int bus, int device, boolean resetWorks) {
  public boolean contains(PciAddress a) {
    return a.domain() == domain && a.bus() == bus && a.device() == device;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(10);
    PciAddress.hex(sb, domain, 4).append(':');
    PciAddress.hex(sb, bus, 2).append(':');
    return PciAddress.hex(sb, device, 2).toString();
  }
}
