package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code jvfio topology --json}: the host's functions, IOMMU groups and vfio-pci device sets.
 *
 * @param host the topology file, or the name of the built-in host
 */
public record TopologyJson(
    String result,
    String host,
    List<Device> devices,
    List<Group> iommuGroups,
    List<DeviceSet> deviceSets) {
  /**
   * One PCI function. The vfio fields ({@code devSet}, {@code cdev}, {@code groupNode}, {@code
   * functionReset}) are null when no vfio-pci driver is bound, {@code iommuGroup} when the function
   * has none.
   */
  // every field is written, null included: a function without vfio-pci shows its vfio fields empty
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Device(
      String bdf,
      String vendor,
      String device,
      boolean bridge,
      Integer iommuGroup,
      String driver,
      String devSet,
      String cdev,
      String groupNode,
      Boolean functionReset) {}

  /** An IOMMU group and its functions. */
  public record Group(int id, List<String> members) {}

  /** A vfio-pci device set (the functions one slot or bus reset takes together). */
  public record DeviceSet(String key, List<String> members) {}
}
