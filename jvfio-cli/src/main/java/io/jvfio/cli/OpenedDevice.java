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
import java.util.List;

/**
 * A vfio device opened the way a VMM opens one to migrate it: its cdev bound to an iommufd of its
 * own, or, when the device has no cdev, its group in a type1 container. Closing it closes the
 * device (and its data fd) before what holds it.
 */
final class OpenedDevice implements AutoCloseable {
  private final DeviceNode node;
  private final VfioDevice device;
  private final List<AutoCloseable> holders;

  private OpenedDevice(DeviceNode node, VfioDevice device, List<AutoCloseable> holders) {
    this.node = node;
    this.device = device;
    this.holders = holders;
  }

  /** Opens {@code node} in the process of {@code sys}. */
  static OpenedDevice open(Syscalls sys, DeviceNode node) {
    List<AutoCloseable> holders = new ArrayList<>();
    try {
      if (node.cdevPath() != null) {
        Iommufd iommufd = Iommufd.open(sys);
        holders.add(iommufd);
        return new OpenedDevice(node, VfioDevice.openCdev(sys, node.cdevPath(), iommufd), holders);
      }
      if (node.groupPath() == null) {
        throw new CommandFailure(
            node.name() + " has neither a vfio cdev nor a group node to open it by", "ENODEV");
      }
      VfioGroup group = VfioGroup.open(sys, node.groupPath());
      holders.add(group);
      VfioContainer container = VfioContainer.open(sys);
      holders.add(container);
      group.setContainer(container.fd());
      container.setIommuType1v2();
      return new OpenedDevice(node, group.device(node.name()), holders);
    } catch (RuntimeException e) {
      closeAll(holders.reversed(), e);
      throw e;
    }
  }

  DeviceNode node() {
    return node;
  }

  String name() {
    return node.name();
  }

  /** The client's device, for the migration engine. */
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

  @Override
  public void close() {
    List<AutoCloseable> all = new ArrayList<>();
    all.add(device);
    all.addAll(holders.reversed());
    closeAll(all, null);
  }

  /**
   * Closes each in order; the first failure is thrown (added to {@code primary} if there is one).
   */
  private static void closeAll(List<AutoCloseable> all, RuntimeException primary) {
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
