package io.jvfio.host.pci;

/** A PCI function address, printed as Linux's {@code pci_name()}: {@code 0000:01:00.0}. */
public record PciAddress(int domain, int bus, int device, int function)
    implements Comparable<PciAddress> {
  public PciAddress {
    if (domain < 0 || domain > 0xffff || bus < 0 || bus > 0xff || device < 0 || device > 0x1f) {
      throw new IllegalArgumentException("PCI address out of range");
    }
    if (function < 0 || function > 7) {
      throw new IllegalArgumentException("PCI function out of range: " + function);
    }
  }

  /** Parses {@code DDDD:BB:SS.F} or {@code BB:SS.F} (domain 0), hex digits in either case. */
  public static PciAddress parse(String s) {
    // by hand, not by regex: a topology of thousands of functions parses one per line
    String t = s.trim();
    int at;
    if (t.length() == 12 && t.charAt(4) == ':') {
      at = 5;
    } else if (t.length() == 7) {
      at = 0;
    } else {
      throw notAnAddress(s);
    }
    if (t.charAt(at + 2) != ':' || t.charAt(at + 5) != '.') {
      throw notAnAddress(s);
    }
    int function = t.charAt(at + 6) - '0';
    if (function < 0 || function > 7) {
      throw notAnAddress(s);
    }
    return new PciAddress(
        at == 0 ? 0 : hexField(t, 0, 4, s),
        hexField(t, at, 2, s),
        hexField(t, at + 3, 2, s),
        function);
  }

  private static int hexField(String t, int from, int digits, String original) {
    int v = 0;
    for (int i = from; i < from + digits; i++) {
      char c = t.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        throw notAnAddress(original);
      }
      v = v << 4 | d;
    }
    return v;
  }

  private static IllegalArgumentException notAnAddress(String s) {
    return new IllegalArgumentException("not a PCI address (DDDD:BB:SS.F): " + s);
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
    // called for every function's name when a host is built; Formatter costs ten times as much
    StringBuilder sb = new StringBuilder(12);
    hex(sb, domain, 4).append(':');
    hex(sb, bus, 2).append(':');
    return hex(sb, device, 2).append('.').append(function).toString();
  }

  /** Appends {@code value} as {@code digits} lower-case hex digits, zero-padded. */
  static StringBuilder hex(StringBuilder sb, int value, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      sb.append(Character.forDigit((value >>> shift) & 0xf, 16));
    }
    return sb;
  }
}
