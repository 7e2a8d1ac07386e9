package io.jvfio.host.pci;

/** A physical (hotplug) slot: the functions with this device number on this bus. */
public record SlotSpec(int domain, int bus, int device, boolean resetWorks) {
  public boolean contains(PciAddress a) {
    return a.domain() == domain && a.bus() == bus && a.device() == device;
  }

  @Override
  public String toString() {
    return String.format("%04x:%02x:%02x", domain, bus, device);
  }
}
