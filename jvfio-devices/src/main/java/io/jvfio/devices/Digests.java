package io.jvfio.devices;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.host.sdk.DeviceModel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/** Fingerprints of device content, so a migration's two ends can be compared. */
public final class Digests {
  private Digests() {}

  /** A supplier of {@code model}'s content digest, or null for a model without content. */
  public static Supplier<String> of(DeviceModel model) {
    return switch (model) {
      case MemDevice m -> m::digest;
      case MttyDevice m -> () -> sha256(m.image());
      case FaultyDevice f -> of(f.inner());
      default -> null;
    };
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
