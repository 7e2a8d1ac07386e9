package io.jvfio.host.vfio;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A vfio device set: the devices a reset can touch together, in registration order. vfio-pci keys
 * it by the device (root bus), by its slot (slot reset works) or by its bus.
 */
public final class DeviceSet {
  private final String key;
  private final List<VfioDevice> members = new ArrayList<>();

  DeviceSet(String key) {
    this.key = key;
  }

  /** "device 0000:00:02.0", "slot 0000:01:00" or "bus 0000:02". */
  public String key() {
    return key;
  }

  public List<VfioDevice> members() {
    return List.copyOf(members);
  }

  void add(VfioDevice d) {
    members.add(d);
  }

  /** {@code vfio_device_set_open_count}. */
  public int openCount() {
    return members.stream().mapToInt(VfioDevice::openCount).sum();
  }

  /** The member playing {@code pci}, if any. */
  public Optional<VfioDevice> find(PciDev pci) {
    return pci.driverData() instanceof VfioDevice d && d.devSet == this
        ? Optional.of(d)
        : Optional.empty();
  }

  /**
   * The close-time bus or slot reset ({@code vfio_pci_dev_set_try_reset}): only when no other
   * member is open, some member needs a reset, and every function in scope is a member. On success
   * no member needs a reset any more; failure is silent, as in Linux.
   */
  void tryReset() {
    if (openCount() > 1 || members.stream().noneMatch(d -> d.needsReset)) {
      return;
    }
    Optional<List<PciDev>> scope = PciTree.resetScope(members.getFirst().pci());
    if (scope.isEmpty() || !scope.get().stream().allMatch(p -> find(p).isPresent())) {
      return;
    }
    for (PciDev p : scope.get()) {
      VfioDevice d = find(p).get();
      // members are closed here: one that keeps its migration state across close keeps it
      boolean keeps = d.migration() != null && d.migration().driver().keepsStateAcrossClose();
      long recorded = d.modelFailures().count();
      try {
        d.hardwareReset(!keeps);
      } catch (KernelError e) {
        // this runs from a release, which cannot fail: like a failed bus reset in Linux, every
        // member stays marked as needing a reset, and the model's refusal is kept on its device
        if (d.modelFailures().count() == recorded) {
          d.modelFailures().record("bus reset at close", e);
        }
        return;
      }
    }
    members.forEach(d -> d.needsReset = false);
  }

  @Override
  public String toString() {
    return key;
  }
}
