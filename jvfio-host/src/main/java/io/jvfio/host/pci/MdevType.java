package io.jvfio.host.pci;

import java.util.List;
import java.util.Optional;

/**
 * A type an mdev parent offers ({@code mdev_supported_types/<type>} in sysfs): the model that plays
 * an instance, and what the parent's own driver answers where vfio-pci would have answered for a
 * PCI function.
 *
 * @param parent the parent device's name ({@code /sys/class/mdev_bus/<parent>})
 * @param name the type's sysfs name, the parent's driver name and a suffix ({@code mtty-2})
 * @param model the device model (registry name) that plays an instance
 * @param vendor the PCI vendor id the instance's config space shows
 * @param device the PCI device id the instance's config space shows
 * @param infoFlags what the driver's VFIO_DEVICE_GET_INFO puts in {@code flags}
 */
public record MdevType(
    String parent, String name, String model, int vendor, int device, int infoFlags) {

  // VFIO_DEVICE_FLAGS_PCI alone: mtty's GET_INFO never sets the RESET flag, though its
  // VFIO_DEVICE_RESET works
  private static final int FLAGS_PCI = 1 << 1;

  /**
   * The parents and types the emulator knows: Linux's mtty sample (a WCH CH353 serial card, one or
   * two ports per instance).
   */
  public static final List<MdevType> KNOWN =
      List.of(
          new MdevType("mtty", "mtty-1", "mtty", 0x4348, 0x3253, FLAGS_PCI),
          new MdevType("mtty", "mtty-2", "mtty2", 0x4348, 0x3253, FLAGS_PCI));

  public static Optional<MdevType> find(String parent, String name) {
    return KNOWN.stream().filter(t -> t.parent.equals(parent) && t.name.equals(name)).findFirst();
  }

  /** Finds a type, or says which types the parent offers. */
  static MdevType require(String parent, String name) {
    return find(parent, name)
        .orElseThrow(() -> {
          List<String> offered =
              KNOWN.stream().filter(t -> t.parent.equals(parent)).map(MdevType::name).toList();
          return new IllegalArgumentException(
              offered.isEmpty()
                  ? "unknown mdev parent " + parent + " (known: mtty)"
                  : "mdev parent "
                      + parent
                      + " has no type "
                      + name
                      + " (it offers "
                      + String.join(", ", offered)
                      + ")");
        });
  }
}
