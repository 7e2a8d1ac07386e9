package io.jvfio.host.pci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PCI function address, printed as Linux's {@code pci_name()}: {@code 0000:01:00.0}. */
public record PciAddress(int domain, int bus, int device, int function)
    implements Comparable<PciAddress> {
  private static final Pattern BDF =
      Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

  public PciAddress {
    if (domain < 0 || domain > 0xffff || bus < 0 || bus > 0xff || device < 0 || device > 0x1f) {
      throw new IllegalArgumentException("PCI address out of range");
    }
    if (function < 0 || function > 7) {
      throw new IllegalArgumentException("PCI function out of range: " + function);
    }
  }

  /** Parses {@code DDDD:BB:SS.F} or {@code BB:SS.F} (domain 0). */
  public static PciAddress parse(String s) {
    Matcher m = BDF.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PCI address (DDDD:BB:SS.F): " + s);
    }
    int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
    return new PciAddress(
        domain,
        Integer.parseInt(m.group(2), 16),
        Integer.parseInt(m.group(3), 16),
        Integer.parseInt(m.group(4)));
  }

  /** {@code PCI_DEVFN(slot, func)}. */
  public int devfn() {
    return (device << 3) | function;
  }

  @Override
  public int compareTo(PciAddress o) {
    return Long.compare(key(), o.key());
  }

  private long key() {
    return ((long) domain << 16) | ((long) bus << 8) | devfn();
  }

  @Override
  public String toString() {
    return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
  }
}
