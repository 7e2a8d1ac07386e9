package io.jvfio.host.vfio;

import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.MdevSpec;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import io.jvfio.host.pci.SlotSpec;
import io.jvfio.host.sdk.ModelRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The vfio and vfio-pci registrations of a host: one vfio device per function bound to vfio-pci
 * (cdev index in registration order), one vfio group per IOMMU group holding such a device, and
 * device sets keyed as vfio-pci keys them.
 */
public final class VfioHost {
  private final List<VfioDevice> devices = new ArrayList<>();
  private final Map<Integer, VfioGroup> groups = new HashMap<>();
  private final Map<Object, DeviceSet> devSets = new LinkedHashMap<>();

  public VfioHost(PciTree tree, Map<Integer, IommuGroup> iommuGroups, ModelRegistry models) {
    this(tree, List.of(), iommuGroups, models);
  }

  /**
   * The vfio-pci functions first, then the mdevs in creation order (the lab VM binds vfio-pci
   * before it creates mdevs, so they take the cdev numbers after the functions'). Each mdev's group
   * is in {@code iommuGroups} and holds no PCI function.
   */
  public VfioHost(
      PciTree tree,
      List<MdevSpec> mdevs,
      Map<Integer, IommuGroup> iommuGroups,
      ModelRegistry models) {
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
      pci.setDriverData(d);
      VfioGroup g = groups.get(ig.id());
      if (g == null) {
        g = new VfioGroup(ig);
        groups.put(ig.id(), g);
      }
      g.devices.add(d);
      d.group = g;
      // keyed by the object the set is named after; the name is made once per set
      Object key;
      if (pci.bus().isRoot()) {
        key = pci;
      } else if (PciTree.slotResetWorks(pci)) {
        key = pci.slot();
      } else {
        key = pci.bus();
      }
      DeviceSet set = devSets.get(key);
      if (set == null) {
        set = new DeviceSet(setName(key));
        devSets.put(key, set);
      }
      set.add(d);
      d.devSet = set;
    }
    for (MdevSpec m : mdevs) {
      IommuGroup ig = iommuGroups.get(m.iommuGroup());
      VfioDevice d = new VfioDevice(m, models.create(m.type().model()), devices.size(), ig);
      devices.add(d);
      VfioGroup g = new VfioGroup(ig);
      groups.put(ig.id(), g);
      g.devices.add(d);
      d.group = g;
    }
  }

  /** The device named {@code name} (an mdev's UUID or a function's address), if any. */
  public Optional<VfioDevice> device(String name) {
    return devices.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  public List<VfioDevice> devices() {
    return List.copyOf(devices);
  }

  /** vfio-pci's name of a device set: "device 0000:00:02.0", "slot 0000:01:00" or "bus 0000:02". */
  private static String setName(Object key) {
    return switch (key) {
      case PciDev d -> "device " + d.name();
      case SlotSpec s -> "slot " + s;
      default -> "bus " + key;
    };
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
