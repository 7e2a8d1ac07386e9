package io.jvfio.host.pci;

import java.util.ArrayList;
import java.util.List;

/** A PCI bus: a root bus (no bridge above) or the secondary bus of a bridge. */
public final class PciBus {
  private final int domain;
  private final int number;
  private final PciDev self;
  private final String name; // vfio-pci names a device set after it, once per function
  final List<PciDev> devices = new ArrayList<>();
  private final int[] functionsPerDevice = new int[32];

  PciBus(int domain, int number, PciDev self) {
    this.domain = domain;
    this.number = number;
    this.self = self;
    StringBuilder sb = new StringBuilder(7);
    PciAddress.hex(sb, domain, 4).append(':');
    this.name = PciAddress.hex(sb, number, 2).toString();
  }

  void add(PciDev d) {
    devices.add(d);
    functionsPerDevice[d.address().device()]++;
  }

  /** How many functions device number {@code device} has on this bus. */
  int functionsOf(int device) {
    return functionsPerDevice[device];
  }

  public int domain() {
    return domain;
  }

  public int number() {
    return number;
  }

  /** The bridge leading to this bus ({@code bus->self}), or null for a root bus. */
  public PciDev self() {
    return self;
  }

  public boolean isRoot() {
    return self == null;
  }

  /** Functions on this bus in devfn order. */
  public List<PciDev> devices() {
    return List.copyOf(devices);
  }

  @Override
  public String toString() {
    return name;
  }
}
