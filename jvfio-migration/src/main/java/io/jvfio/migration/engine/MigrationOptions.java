package io.jvfio.migration.engine;

import java.time.Duration;

/**
 * How a migration runs.
 *
 * @param chunkBytes read size on the source's data fds (QEMU uses 1 MiB)
 * @param downtimeLimit the switchover rule: remaining bytes no more than bandwidth times this
 * @param switchoverAck wait for the destination to approve once it loaded each device's initial
 *     bytes
 * @param peerTimeout how long the destination waits for the source's next bytes, and the source for
 *     each answer of the destination (the loaded result, the running result)
 * @param maxPrecopy how long precopy may run before switching over even if it has not converged
 */
public record MigrationOptions(
    int chunkBytes,
    Duration downtimeLimit,
    boolean switchoverAck,
    Duration peerTimeout,
    Duration maxPrecopy) {
  public static final int DEFAULT_CHUNK = 1 << 20;

  public MigrationOptions {
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunk size must be positive");
    }
    if (downtimeLimit.isNegative() || downtimeLimit.isZero()) {
      throw new IllegalArgumentException("the downtime limit must be positive");
    }
  }

  /** QEMU's defaults: 1 MiB reads, 300 ms downtime, no switchover-ack. */
  public static MigrationOptions defaults() {
    return new MigrationOptions(
        DEFAULT_CHUNK,
        Duration.ofMillis(300),
        false,
        Duration.ofSeconds(30),
        Duration.ofSeconds(30));
  }

  public MigrationOptions withDowntimeLimit(Duration d) {
    return new MigrationOptions(chunkBytes, d, switchoverAck, peerTimeout, maxPrecopy);
  }

  public MigrationOptions withSwitchoverAck(boolean on) {
    return new MigrationOptions(chunkBytes, downtimeLimit, on, peerTimeout, maxPrecopy);
  }

  public MigrationOptions withPeerTimeout(Duration d) {
    return new MigrationOptions(chunkBytes, downtimeLimit, switchoverAck, d, maxPrecopy);
  }

  public MigrationOptions withMaxPrecopy(Duration d) {
    return new MigrationOptions(chunkBytes, downtimeLimit, switchoverAck, peerTimeout, d);
  }

  public MigrationOptions withChunkBytes(int n) {
    return new MigrationOptions(n, downtimeLimit, switchoverAck, peerTimeout, maxPrecopy);
  }
}
