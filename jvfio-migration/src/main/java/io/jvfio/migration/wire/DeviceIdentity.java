package io.jvfio.migration.wire;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What the session header says about one device: both ends must agree on it before any state moves.
 *
 * @param index the device's number in this session, 0..n-1 in header order; records name devices by
 *     it
 * @param bdf the PCI address on the source ("0000:00:03.0"), printable ASCII, at most {@value
 *     WireFormat#MAX_BDF_BYTES} bytes
 * @param model the device model, at most {@value WireFormat#MAX_MODEL_BYTES} bytes of UTF-8
 * @param vendor PCI vendor id (u16)
 * @param device PCI device id (u16)
 * @param migrationFlags the device's {@code VFIO_MIGRATION_*} flags (u64)
 */
public record DeviceIdentity(
    int index, String bdf, String model, int vendor, int device, long migrationFlags) {
  public DeviceIdentity {
    Objects.requireNonNull(bdf, "bdf");
    Objects.requireNonNull(model, "model");
    if (index < 0 || index > 0xffff) {
      throw new IllegalArgumentException("device index " + index + " is not a u16");
    }
    if (bdf.isEmpty() || bdf.length() > WireFormat.MAX_BDF_BYTES || !Text.printableAscii(bdf)) {
      throw new IllegalArgumentException(
          "BDF '"
              + bdf
              + "' must be 1-"
              + WireFormat.MAX_BDF_BYTES
              + " characters of printable ASCII");
    }
    int modelBytes = Text.utf8(model, "model name '" + model + "'").length;
    if (modelBytes > WireFormat.MAX_MODEL_BYTES) {
      throw new IllegalArgumentException(
          "model name of "
              + modelBytes
              + " UTF-8 bytes is longer than "
              + WireFormat.MAX_MODEL_BYTES);
    }
    if (vendor < 0 || vendor > 0xffff) {
      throw new IllegalArgumentException("vendor id " + vendor + " is not a u16");
    }
    if (device < 0 || device > 0xffff) {
      throw new IllegalArgumentException("device id " + device + " is not a u16");
    }
  }

  /** Bytes this entry takes in the header. */
  int wireSize() {
    return 2 + 2 + bdf.length() + 2 + model.getBytes(StandardCharsets.UTF_8).length + 2 + 2 + 8;
  }
}
