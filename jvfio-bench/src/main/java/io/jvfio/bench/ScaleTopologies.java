package io.jvfio.bench;

import java.util.Locale;

/** Generated topologies for the scaling benchmarks, in {@code Topology}'s text form. */
final class ScaleTopologies {
  private ScaleTopologies() {}

  /** Functions a PCI bus can hold: 32 devices of 8 functions. */
  static final int BUS_FUNCTIONS = 256;

  /**
   * One device set of {@code members} vfio-pci functions: a root port with a working bus reset
   * leading to bus 01, which has no slot, so vfio-pci keys every function to the bus. Each function
   * has an IOMMU group of its own.
   */
  static String deviceSet(int members) {
    if (members < 1 || members > BUS_FUNCTIONS) {
      throw new IllegalArgumentException("a bus holds 1 to 256 functions, not " + members);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("bridge 0000:00:1c.0 8086:a110 secondary=01 bus-reset=yes group=0\n");
    for (int i = 0; i < members; i++) {
      sb.append(function(1, i, 1 + i));
    }
    return sb.toString();
  }

  /** The first function of {@link #deviceSet}. */
  static final String DEVICE_SET_FIRST = "0000:01:00.0";

  /**
   * {@code total} functions: root ports on bus 00 and vfio-pci functions spread evenly over the
   * buses behind them (as few buses as hold them), with a slot without reset per device number in
   * use, so parsing and building see bridges, slots and device sets.
   */
  static String functions(int total) {
    int bridges = 1;
    while (bridges * BUS_FUNCTIONS < total - bridges) {
      bridges++;
    }
    if (total <= bridges || bridges > 0x1f * 8) {
      throw new IllegalArgumentException("cannot lay out " + total + " functions");
    }
    StringBuilder sb = new StringBuilder();
    int group = 0;
    for (int b = 0; b < bridges; b++) {
      sb.append(
          String.format(
              Locale.ROOT,
              "bridge 0000:00:%02x.%d 8086:a110 secondary=%02x bus-reset=yes group=%d%n",
              1 + b / 8,
              b % 8,
              1 + b,
              group++));
    }
    int endpoints = total - bridges;
    for (int b = 0; b < bridges; b++) {
      int onBus = endpoints / bridges + (b < endpoints % bridges ? 1 : 0);
      for (int i = 0; i < onBus; i++) {
        sb.append(function(1 + b, i, group++));
      }
      for (int d = 0; d * 8 < onBus; d++) {
        sb.append(String.format(Locale.ROOT, "slot 0000:%02x:%02x reset=no%n", 1 + b, d));
      }
    }
    return sb.toString();
  }

  private static String function(int bus, int index, int group) {
    return String.format(
        Locale.ROOT,
        "function 0000:%02x:%02x.%d 1b36:0010 driver=vfio-pci group=%d%n",
        bus,
        index / 8,
        index % 8,
        group);
  }
}
