package io.jvfio.cli;

/** The values of {@code --backend}. */
enum BackendKind {
  /** jvfio's emulated host, built from a topology file or the demo host. */
  emulated,
  /** this machine's {@code /dev/vfio} and {@code /dev/iommu}, with devices found in sysfs. */
  native_;

  /** As typed on the command line. */
  String shown() {
    return this == native_ ? "native" : name();
  }

  static BackendKind parse(String text) {
    return switch (text) {
      case "emulated" -> emulated;
      case "native" -> native_;
      default -> throw new IllegalArgumentException("must be one of emulated, native");
    };
  }
}
