package io.jvfio.host.vfio;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.sdk.ModelRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The vfio and vfio-pci registrations of a host: one vfio device per function bound to vfio-pci
 * (cdev index in registration order), one vfio group per IOMMU group holding such a device, and
 * device sets keyed as vfio-pci keys them.
 */
public final class VfioHost {
  private final List<VfioDevice> devices = new ArrayList<>();
  private final Map<Integer, VfioGroup> groups = new HashMap<>();
  private final Map<String, DeviceSet> devSets = new LinkedHashMap<>();

  public VfioHost(PciTree tree, Map<Integer, IommuGroup> iommuGroups, ModelRegistry models) {
    for (PciDev pci : tree.devices()) {
      if (!(pci.driver() instanceof Driver.VfioPci v)) {
        continue;
      }
      if (pci.spec().iommuGroup().isEmpty()) {
        throw new IllegalArgumentException(
            pci.name() + ": vfio-pci needs an IOMMU group (noiommu mode is not emulated)");
      }
      IommuGroup ig = iommuGroups.get(pci.spec().iommuGroup().getAsInt());
      VfioDevice d = new VfioDevice(pci, models.create(v.model()), devices.size(), ig);
      devices.add(d);
      VfioGroup g = groups.computeIfAbsent(ig.id(), id -> new VfioGroup(ig));
      g.devices.add(d);
      d.group = g;
      String key;
      if (pci.bus().isRoot()) {
        key = "device " + pci.name();
      } else if (PciTree.slotResetWorks(pci)) {
        key = "slot " + pci.slot();
      } else {
        key = "bus " + pci.bus();
      }
      DeviceSet set = devSets.computeIfAbsent(key, DeviceSet::new);
      set.add(d);
      d.devSet = set;
    }
  }

  public List<VfioDevice> devices() {
    return List.copyOf(devices);
  }

  public int deviceCount() {
    return devices.size();
  }

  /** The device whose cdev is {@code /dev/vfio/devices/vfio<index>}. */
  public VfioDevice device(int index) {
    return devices.get(index);
  }

  public List<VfioGroup> groups() {
    return groups.values().stream()
        .sorted(Comparator.comparingInt(g -> g.iommuGroup().id()))
        .toList();
  }

  public VfioGroup group(int id) {
    return groups.get(id);
  }

  public List<DeviceSet> deviceSets() {
    return List.copyOf(devSets.values());
  }
}
