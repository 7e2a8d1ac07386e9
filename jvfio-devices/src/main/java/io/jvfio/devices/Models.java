package io.jvfio.devices;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.host.sdk.ModelRegistry;

/**
 * Every device model jvfio ships, by the names topologies use ({@code driver=vfio-pci:NAME}):
 *
 * <ul>
 *   <li>{@code plain}: the core's function without device behaviour;
 *   <li>{@code edu}: QEMU's teaching device, no migration;
 *   <li>{@code mtty}, {@code mtty2}: Linux's mtty sample with one or two ports (migration flags
 *       0x7), and {@code mtty-0x1}, {@code mtty-0x3}, {@code mtty-0x5}, {@code mtty-0x7};
 *   <li>{@code memdev}: 4 MiB of device memory (flags 0x7), and {@code memdev-0x1} ... {@code
 *       memdev-0x7}.
 * </ul>
 */
public final class Models {
  /** The flag sets the protocol defines: STOP_COPY alone, with P2P, with PRE_COPY, with both. */
  public static final long[] FLAG_SETS = {0x1, 0x3, 0x5, 0x7};

  private Models() {}

  /** The core's built-in models plus the samples of this module. */
  public static ModelRegistry registry() {
    return registry(MemDevice.Config.defaults());
  }

  /** The same, with {@code memdev} built from {@code memdev} (size, flags, workload rate). */
  public static ModelRegistry registry(MemDevice.Config memdev) {
    ModelRegistry r =
        ModelRegistry.builtin()
            .register("edu", EduDevice::new)
            .register("mtty", () -> new MttyDevice(1))
            .register("mtty2", () -> new MttyDevice(2))
            .register(MemDevice.NAME, () -> new MemDevice(memdev));
    for (long flags : FLAG_SETS) {
      String suffix = "-0x" + Long.toHexString(flags);
      r.register("mtty" + suffix, () -> MttyDevice.withFlags(flags, 1));
      r.register(
          MemDevice.NAME + suffix,
          () -> new MemDevice(MemDevice.Config.defaults().withMigrationFlags(flags)));
    }
    return r;
  }
}
