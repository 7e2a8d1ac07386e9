package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.client.Migration;
import io.jvfio.host.vfio.DeviceMigration;

/**
 * The devices a {@code jvfio state} command line names, checked before any is changed: each is a
 * vfio device of the backend and can migrate. The emulator answers from its model; on the native
 * backend the device is opened once, asked VFIO_DEVICE_FEATURE MIGRATION and closed, which changes
 * no migration state (vfio-pci resets a function at open and close, as at every open).
 */
final class StateDevices {
  private StateDevices() {}

  /** A device and its {@code VFIO_MIGRATION_*} flags. */
  record Chosen(DeviceNode node, long flags) {
    String name() {
      return node.name();
    }

    /** What must match for a stream of one device to be meant for another. */
    String kind() {
      return String.format(
          "%04x:%04x %s, migration flags 0x%x",
          node.vendor(), node.deviceId(), node.driver(), flags);
    }
  }

  /** The device {@code text} names for {@code option}, or a usage error saying why it cannot be. */
  static Chosen migratable(Backend backend, String option, String text) {
    DeviceNode node = backend.device(option, text);
    Chosen c = ifMigratable(backend, node);
    if (c == null) {
      throw UsageException.of(
          option,
          text,
          node.name()
              + " ("
              + node.driver()
              + ") cannot migrate: VFIO_DEVICE_FEATURE MIGRATION is ENOTTY, the driver has no"
              + " migration support");
    }
    return c;
  }

  /** {@code node} and its flags when it can migrate, else null (nothing is changed). */
  static Chosen ifMigratable(Backend backend, DeviceNode node) {
    Long flags =
        switch (backend) {
          case EmulatedBackend e -> {
            DeviceMigration m = e.deviceOf(node).migration();
            yield m == null ? null : m.flags();
          }
          case NativeBackend n -> probe(n, node);
        };
    return flags == null ? null : new Chosen(node, flags);
  }

  private static Long probe(Backend backend, DeviceNode node) {
    try (Backend.Session s = backend.session("state-probe");
        OpenedDevice d = OpenedDevice.open(s.sys(), node)) {
      Migration m = d.migrationOrNull();
      return m == null ? null : m.flags();
    }
  }
}
