package io.jvfio.migration.engine;

import io.jvfio.client.Migration;
import io.jvfio.client.VfioDevice;
import java.util.function.Supplier;

/**
 * One device taking part in a migration: the open client device, what the wire says it is, and
 * (optionally) how to fingerprint its content so both ends can be compared.
 *
 * @param bdf the function's address on this host
 * @param model the device model's name, which must match on both ends
 * @param digest the device content's fingerprint, or null when the model has none
 */
public record MigratingDevice(
    VfioDevice device,
    String bdf,
    String model,
    int vendor,
    int deviceId,
    Supplier<String> digest) {

  /** The device's migration; fails when it cannot migrate. */
  Migration migration() {
    Migration m = device.migration();
    if (m == null) {
      throw new MigrationFailure(bdf + " (" + model + ") cannot migrate: it has no VFIO migration");
    }
    return m;
  }

  String digestOrNull() {
    return digest == null ? null : digest.get();
  }
}
