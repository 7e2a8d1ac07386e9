package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.client.Iommufd;
import io.jvfio.client.Migration;
import io.jvfio.client.VfioContainer;
import io.jvfio.client.VfioDevice;
import io.jvfio.client.VfioException;
import io.jvfio.client.VfioGroup;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A vfio device opened in one process the way a VMM opens it: its cdev bound to an iommufd, or its
 * group in a container (type1v2, or noiommu for {@code /dev/vfio/noiommu-N}). {@link #open} gives a
 * device what holds it alone, as a migration opens each device; a {@link Vmm} opens several that
 * share one iommufd or one container, as a hot reset needs (it learns its scope from the kernel, so
 * devices join after the first). Works on any {@link Syscalls}: the emulated host's process or the
 * real kernel. A step that fails is a {@link VfioException} naming the call and the errno. Closing
 * closes each device (and its data fd) before what holds it.
 */
final class OpenedDevice implements AutoCloseable {
  /** The two ways a VMM opens a vfio device. */
  enum As {
    cdev,
    group;

    /** The cdev where the kernel has one, else the group. */
    static As of(DeviceNode node) {
      return node.cdevPath() != null ? cdev : group;
    }
  }

  private final DeviceNode node;
  private final VfioDevice device;
  private final Vmm vmm;
  private final boolean ownsVmm;

  private OpenedDevice(DeviceNode node, VfioDevice device, Vmm vmm, boolean ownsVmm) {
    this.node = node;
    this.device = device;
    this.vmm = vmm;
    this.ownsVmm = ownsVmm;
  }

  /** Opens {@code node} in the process of {@code sys} with an iommufd or container of its own. */
  static OpenedDevice open(Syscalls sys, DeviceNode node) {
    Vmm vmm = new Vmm(sys, As.of(node));
    try {
      return new OpenedDevice(node, vmm.open(node).device, vmm, true);
    } catch (RuntimeException e) {
      closeAll(vmm.closing(), e);
      throw e;
    }
  }

  DeviceNode node() {
    return node;
  }

  String name() {
    return node.name();
  }

  /** The client's device, for the migration engine; its fd for raw calls. */
  VfioDevice device() {
    return device;
  }

  /** The device's migration, or null when it has none (FEATURE MIGRATION is ENOTTY). */
  Migration migrationOrNull() {
    return device.migration();
  }

  /** The device's migration; {@link StateDevices} found it has one before it was opened. */
  Migration migration() {
    Migration m = device.migration();
    if (m == null) {
      throw new CommandFailure(
          node.name() + " has no migration (VFIO_DEVICE_FEATURE MIGRATION is ENOTTY)", "ENOTTY");
    }
    return m;
  }

  /**
   * Brings the device back to RUNNING after a failure, as far as it can be done, and returns the
   * state then (null when the device does not say). From RESUMING and ERROR only VFIO_DEVICE_RESET
   * leads out without loading what arrived (mtty would load a refused stream at RESUMING to STOP);
   * from the other states a SET to RUNNING ends the session, and a reset follows if it fails.
   */
  MigrationState backToRunning() {
    Migration m = migration();
    MigrationState now = stateOrNull(m);
    if (now == MigrationState.RUNNING) {
      return now;
    }
    if (now != null && now != MigrationState.RESUMING && now != MigrationState.ERROR) {
      try {
        m.set(MigrationState.RUNNING);
        return stateOrNull(m);
      } catch (VfioException e) {
        // a reset is next
      }
    }
    try {
      device.reset();
    } catch (VfioException e) {
      // the state read below says where the device was left
    }
    return stateOrNull(m);
  }

  private static MigrationState stateOrNull(Migration m) {
    try {
      return m.state();
    } catch (VfioException | IllegalStateException e) {
      return null;
    }
  }

  /** Closes the device, and what holds it when it was {@link #open opened alone}. */
  @Override
  public void close() {
    if (ownsVmm) {
      vmm.close();
    } else {
      vmm.devices.remove(node.name());
      device.close();
    }
  }

  /**
   * Devices opened in one process that share what holds them: one iommufd every cdev is bound to,
   * or one container every group joined. The group fds prove ownership to a hot reset.
   */
  static final class Vmm implements AutoCloseable {
    private final Syscalls sys;
    private final As as;
    private Iommufd iommufd;
    private VfioContainer container;
    private final SequencedMap<String, VfioGroup> groups = new LinkedHashMap<>();
    private final SequencedMap<String, OpenedDevice> devices = new LinkedHashMap<>();

    Vmm(Syscalls sys, As as) {
      this.sys = sys;
      this.as = as;
    }

    As as() {
      return as;
    }

    /** {@code d} opened: its cdev bound (cdev), or its fd asked of its group (group). */
    OpenedDevice open(DeviceNode d) {
      OpenedDevice o = devices.get(d.name());
      if (o == null) {
        VfioDevice device =
            as == As.cdev
                ? VfioDevice.openCdev(sys, Backends.cdevOf(d, "--as cdev"), iommufd())
                : group(d).device(d.name());
        o = new OpenedDevice(d, device, this, false);
        devices.put(d.name(), o);
      }
      return o;
    }

    /**
     * Makes {@code d} owned by this process without its fd where that can be: its cdev must be
     * bound (cdev), its group only joins the container (group).
     */
    void own(DeviceNode d) {
      if (as == As.cdev) {
        open(d);
      } else {
        group(d);
      }
    }

    /** Whether {@code d} is owned already: bound (cdev), or its group is in the container. */
    boolean owns(DeviceNode d) {
      return as == As.cdev ? devices.containsKey(d.name()) : groups.containsKey(d.groupPath());
    }

    /** The group fds in the order the groups joined, for VFIO_DEVICE_PCI_HOT_RESET. */
    int[] groupFds() {
      return groups.values().stream().mapToInt(VfioGroup::fd).toArray();
    }

    /** Whether the group with this id ({@code /dev/vfio/N} or {@code noiommu-N}) has joined. */
    boolean hasGroup(long id) {
      return groups.keySet().stream().anyMatch(p -> p.endsWith("/" + id) || p.endsWith("-" + id));
    }

    private Iommufd iommufd() {
      if (iommufd == null) {
        iommufd = Iommufd.open(sys);
      }
      return iommufd;
    }

    private VfioGroup group(DeviceNode d) {
      String path = d.groupPath();
      if (path == null) {
        throw new CommandFailure(
            d.name() + " has neither a vfio cdev nor a group node to open it by", "ENODEV");
      }
      VfioGroup g = groups.get(path);
      if (g != null) {
        return g;
      }
      if (container == null) {
        container = VfioContainer.open(sys);
      }
      g = VfioGroup.open(sys, path);
      try {
        g.setContainer(container.fd());
        if (groups.isEmpty()) {
          // the first group decides the container's IOMMU; a noiommu group has only the noiommu one
          if (path.contains("noiommu-")) {
            container.setNoIommu();
          } else {
            container.setIommuType1v2();
          }
        }
      } catch (RuntimeException e) {
        closeAll(List.of(g), e);
        throw e;
      }
      groups.put(path, g);
      return g;
    }

    /** Closes every device, then the groups, the container and the iommufd. */
    @Override
    public void close() {
      closeAll(closing(), null);
    }

    private List<AutoCloseable> closing() {
      List<AutoCloseable> all = new ArrayList<>();
      devices.sequencedValues().reversed().forEach(o -> all.add(o.device));
      devices.clear();
      all.addAll(groups.sequencedValues().reversed());
      groups.clear();
      if (container != null) {
        all.add(container);
        container = null;
      }
      if (iommufd != null) {
        all.add(iommufd);
        iommufd = null;
      }
      return all;
    }
  }

  /**
   * Closes each in order; the first failure is thrown (added to {@code primary} if there is one).
   */
  static void closeAll(List<? extends AutoCloseable> all, RuntimeException primary) {
    RuntimeException first = null;
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception e) {
        if (primary != null) {
          primary.addSuppressed(e);
        } else if (first == null) {
          first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
