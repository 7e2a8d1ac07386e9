package io.jvfio.devices.mtty;

import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;

import io.jvfio.host.sdk.MigrationArcs;
import io.jvfio.host.sdk.MigrationArcs.Arc;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.Set;

/**
 * The migration side of {@link MttyDevice}, after Linux's mtty sample: the device does no DMA, so
 * the quiescing arcs do nothing; a saving session starts with the 24-byte header and gets the port
 * records when the device enters STOP_COPY; a resuming session is loaded into the ports at RESUMING
 * to STOP once a whole image arrived whose port records the UART can run (EINVAL otherwise, where
 * Linux would load FIFO indices it then uses outside its FIFO).
 *
 * <p>The sample advertises STOP_COPY|P2P|PRE_COPY. For tests of the core, the same device can
 * declare any of the four flag sets that include STOP_COPY; it then implements exactly the single
 * arcs the core may ask of such a device ({@link #arcs(long)}) and refuses every other arc with
 * EINVAL, as the sample does for arcs it does not expect.
 */
public final class MttyMigration implements MigrationDriver {
  /** One single FSM arc. */
  private final MttyDevice device;

  private final long flags;
  private final Set<Arc> arcs;
  private SavingFile saving;
  private ResumingFile resuming;

  MttyMigration(MttyDevice device, long flags) {
    this.device = device;
    this.flags = flags;
    this.arcs = arcs(flags);
  }

  /**
   * The single arcs the core uses for a device with {@code flags}: STOP_COPY|P2P|PRE_COPY subsets
   * that include STOP_COPY (0x1, 0x3, 0x5, 0x7).
   */
  public static Set<Arc> arcs(long flags) {
    if (!MigrationArcs.validFlags(flags)) {
      throw new IllegalArgumentException("mtty migration flags 0x" + Long.toHexString(flags));
    }
    return MigrationArcs.required(flags);
  }

  @Override
  public long migrationFlags() {
    return flags;
  }

  @Override
  public Session arc(MigrationState from, MigrationState to) {
    if (!arcs.contains(new Arc(from, to))) {
      throw new MigrationException(Errno.EINVAL, "mtty has no arc " + from + " -> " + to);
    }
    switch (to) {
      case PRE_COPY, PRE_COPY_P2P -> {
        if (from == RUNNING || from == RUNNING_P2P) {
          saving = new SavingFile(device.portCount());
          return saving;
        }
        return null; // between the two PRE_COPY states: same session, nothing to do
      }
      case STOP_COPY -> {
        if (from == STOP) {
          saving = new SavingFile(device.portCount());
          saving.appendPorts(device.livePorts());
          return saving;
        }
        if (saving == null) {
          throw new MigrationException(Errno.EINVAL, "mtty has no saving session to extend");
        }
        saving.appendPorts(device.livePorts());
        return null; // the open saving session carries on
      }
      case RESUMING -> {
        resuming = new ResumingFile(device.portCount());
        return resuming;
      }
      default -> {
        // fall through to the arcs that end sessions or do nothing
      }
    }
    if (from == RESUMING) {
      if (resuming == null || !resuming.complete()) {
        throw new MigrationException(
            Errno.EINVAL,
            "mtty image incomplete: "
                + (resuming == null ? 0 : resuming.filled())
                + " of "
                + stopCopyLength()
                + " bytes");
      }
      String refusal = resuming.refusal();
      if (refusal != null) {
        // like a short image: the device stays in RESUMING and keeps its session
        throw new MigrationException(Errno.EINVAL, "mtty image refused: " + refusal);
      }
      resuming.loadInto(device.livePorts());
      dropSessions();
    } else if (from.inSavingGroup()) {
      dropSessions();
    }
    return null;
  }

  @Override
  public long stopCopyLength() {
    return MttyImage.size(device.portCount());
  }

  /** The migration side of a reset: sessions are forgotten; the UART is not touched. */
  @Override
  public void migrationReset() {
    dropSessions();
  }

  @Override
  public boolean keepsStateAcrossClose() {
    return true;
  }

  /**
   * The sessions end: Linux disables both files here. The core also closes the session it retires;
   * closing twice is harmless.
   */
  private void dropSessions() {
    if (saving != null) {
      saving.close();
      saving = null;
    }
    if (resuming != null) {
      resuming.close();
      resuming = null;
    }
  }
}
