package io.jvfio.migration.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How a migration runs.
 *
 * @param chunkBytes read size on the source's data fds (QEMU uses 1 MiB)
 * @param downtimeLimit the most the devices may be stopped: the source switches over only when its
 *     estimate of the downtime fits this limit
 * @param switchoverAck wait for the destination to approve once it loaded each device's initial
 *     bytes
 * @param peerTimeout the longest wait for the peer: for each record or message to arrive whole, for
 *     each write to be taken, and for each answer (both ends send something at least every {@link
 *     #keepAlive()}, so a silent peer is a dead one)
 * @param maxPrecopy how long precopy may run before {@code onNoConvergence} applies
 * @param onNoConvergence what to do when precopy has not converged within {@code maxPrecopy}
 * @param deadline the whole migration must end within this; at the deadline it fails and the
 *     devices go back to running on the source
 * @param autoConverge throttle the guest's vCPUs while its RAM is dirtied faster than precopy moves
 *     it (QEMU's auto-converge; only with guest RAM)
 */
public record MigrationOptions(
    int chunkBytes,
    Duration downtimeLimit,
    boolean switchoverAck,
    Duration peerTimeout,
    Duration maxPrecopy,
    NoConvergence onNoConvergence,
    Duration deadline,
    boolean autoConverge) {
  public static final int DEFAULT_CHUNK = 1 << 20;

  /** What a source does when precopy has not converged within {@code maxPrecopy}. */
  public enum NoConvergence {
    /** Keep iterating until the deadline, then fail (QEMU's behaviour: it never forces). */
    KEEP_ITERATING,
    /** Fail at once: the devices go back to running on the source. */
    FAIL,
    /** Switch over anyway; the report states the downtime and its overrun of the limit. */
    SWITCHOVER
  }

  public MigrationOptions {
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunk size must be positive");
    }
    positive(downtimeLimit, "the downtime limit");
    positive(peerTimeout, "the peer timeout");
    positive(maxPrecopy, "the maximum precopy time");
    positive(deadline, "the deadline");
    Objects.requireNonNull(onNoConvergence, "onNoConvergence");
  }

  private static void positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, not " + d);
    }
  }

  /** QEMU's defaults: 1 MiB reads, 300 ms downtime, no switchover-ack; 30 s peer timeout. */
  public static MigrationOptions defaults() {
    return new MigrationOptions(
        DEFAULT_CHUNK,
        Duration.ofMillis(300),
        false,
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        NoConvergence.KEEP_ITERATING,
        Duration.ofMinutes(10),
        false);
  }

  /** How often an end that has nothing else to send shows it is alive. */
  public Duration keepAlive() {
    Duration quarter = peerTimeout.dividedBy(4);
    return quarter.compareTo(Duration.ofSeconds(1)) < 0 ? quarter : Duration.ofSeconds(1);
  }

  public MigrationOptions withDowntimeLimit(Duration d) {
    return new MigrationOptions(
        chunkBytes,
        d,
        switchoverAck,
        peerTimeout,
        maxPrecopy,
        onNoConvergence,
        deadline,
        autoConverge);
  }

  public MigrationOptions withSwitchoverAck(boolean on) {
    return new MigrationOptions(
        chunkBytes,
        downtimeLimit,
        on,
        peerTimeout,
        maxPrecopy,
        onNoConvergence,
        deadline,
        autoConverge);
  }

  public MigrationOptions withPeerTimeout(Duration d) {
    return new MigrationOptions(
        chunkBytes,
        downtimeLimit,
        switchoverAck,
        d,
        maxPrecopy,
        onNoConvergence,
        deadline,
        autoConverge);
  }

  public MigrationOptions withMaxPrecopy(Duration d) {
    return new MigrationOptions(
        chunkBytes,
        downtimeLimit,
        switchoverAck,
        peerTimeout,
        d,
        onNoConvergence,
        deadline,
        autoConverge);
  }

  public MigrationOptions withOnNoConvergence(NoConvergence n) {
    return new MigrationOptions(
        chunkBytes,
        downtimeLimit,
        switchoverAck,
        peerTimeout,
        maxPrecopy,
        n,
        deadline,
        autoConverge);
  }

  public MigrationOptions withDeadline(Duration d) {
    return new MigrationOptions(
        chunkBytes,
        downtimeLimit,
        switchoverAck,
        peerTimeout,
        maxPrecopy,
        onNoConvergence,
        d,
        autoConverge);
  }

  public MigrationOptions withChunkBytes(int n) {
    return new MigrationOptions(
        n,
        downtimeLimit,
        switchoverAck,
        peerTimeout,
        maxPrecopy,
        onNoConvergence,
        deadline,
        autoConverge);
  }

  public MigrationOptions withAutoConverge(boolean on) {
    return new MigrationOptions(
        chunkBytes,
        downtimeLimit,
        switchoverAck,
        peerTimeout,
        maxPrecopy,
        onNoConvergence,
        deadline,
        on);
  }
}
