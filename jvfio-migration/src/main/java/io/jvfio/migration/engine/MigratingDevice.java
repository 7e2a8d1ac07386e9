package io.jvfio.migration.engine;

import io.jvfio.client.Migration;
import io.jvfio.client.VfioDevice;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One device taking part in a migration: the open client device, what the wire says it is, and
 * (optionally) how to fingerprint its content so both ends can be compared.
 *
 * @param bdf the function's address on this host
 * @param model the device model's name, which must match on both ends
 * @param digest the device content's fingerprint (hex), or null when the model has none
 * @param digestAlgorithm what {@code digest} computes ("SHA-256"), for the report; null without a
 *     digest
 */
public record MigratingDevice(
    VfioDevice device,
    String bdf,
    String model,
    int vendor,
    int deviceId,
    Supplier<String> digest,
    String digestAlgorithm) {

  /**
   * The algorithm of jvfio's device digests ({@code io.jvfio.devices.Digests}): mtty's is the
   * SHA-256 of its saved image, memdev's the SHA-256 of the SHA-256s of its 2 MiB chunks (so that
   * never-written memory costs nothing); both are SHA-256 values.
   */
  public static final String SHA_256 = "SHA-256";

  /** A device whose digest, when it has one, is a {@link #SHA_256} value as jvfio's models give. */
  public MigratingDevice(
      VfioDevice device,
      String bdf,
      String model,
      int vendor,
      int deviceId,
      Supplier<String> digest) {
    this(device, bdf, model, vendor, deviceId, digest, digest == null ? null : SHA_256);
  }

  /**
   * What the digests of {@code devices} are, for a report: the algorithm they share, the distinct
   * ones joined when they differ, or null when no device has a digest.
   */
  static String digestAlgorithm(List<MigratingDevice> devices) {
    List<String> names =
        devices.stream()
            .filter(d -> d.digest() != null)
            .map(d -> Objects.requireNonNullElse(d.digestAlgorithm(), "unnamed"))
            .distinct()
            .toList();
    return names.isEmpty() ? null : String.join(", ", names);
  }

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
