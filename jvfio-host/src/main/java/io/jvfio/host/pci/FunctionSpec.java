package io.jvfio.host.pci;

import java.util.OptionalInt;

/**
 * One PCI function of a topology description.
 *
 * @param iommuGroup the IOMMU group id; empty when the function has no IOMMU group
 * @param flr whether a function-level reset works (FLR, PM or device-specific)
 * @param secondaryBus for a bridge, the bus number behind it
 * @param busReset for a bridge, whether a secondary bus reset works
 */
public record FunctionSpec(
    PciAddress address,
    int vendor,
    int device,
    Driver driver,
    OptionalInt iommuGroup,
    boolean flr,
    OptionalInt secondaryBus,
    boolean busReset) {

  public boolean isBridge() {
    return secondaryBus.isPresent();
  }
}
