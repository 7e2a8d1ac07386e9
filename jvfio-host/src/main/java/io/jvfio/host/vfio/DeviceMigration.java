package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.host.kernel.FdTable;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;

/**
 * The migration state of one device, owned by the core: the current FSM state, the saving and
 * resuming sessions (the driver's references to their files), and the precopy-info v2 opt-in. A SET
 * runs arc by arc under the host lock, committing each arc the driver completes.
 */
public final class DeviceMigration {
  private final VfioDevice device;
  private final MigrationDriver driver;
  private final long flags;
  private MigrationState state = RUNNING;
  private MigrationFile saving;
  private MigrationFile resuming;
  private boolean precopyInfoV2;
  private long arcsTaken;

  DeviceMigration(VfioDevice device, MigrationDriver driver) {
    this.device = device;
    this.driver = driver;
    // read once, as Linux stores migration_flags when the device registers
    this.flags = driver.migrationFlags();
    if ((flags & VfioConstants.VFIO_MIGRATION_STOP_COPY) == 0) {
      throw new IllegalArgumentException(
          device.name()
              + ": migration flags 0x"
              + Long.toHexString(flags)
              + " lack VFIO_MIGRATION_STOP_COPY, which every migratable device must have");
    }
    long known =
        VfioConstants.VFIO_MIGRATION_STOP_COPY
            | VfioConstants.VFIO_MIGRATION_P2P
            | VfioConstants.VFIO_MIGRATION_PRE_COPY;
    if ((flags & ~known) != 0) {
      throw new IllegalArgumentException(
          device.name() + ": unknown migration flags 0x" + Long.toHexString(flags & ~known));
    }
  }

  public VfioDevice device() {
    return device;
  }

  public MigrationDriver driver() {
    return driver;
  }

  public long flags() {
    return flags;
  }

  public MigrationState state() {
    return state;
  }

  public boolean precopyInfoV2() {
    return precopyInfoV2;
  }

  void optIntoPrecopyInfoV2() {
    precopyInfoV2 = true;
  }

  /** Arcs the driver completed since the host started (for listings and tests). */
  public long arcsTaken() {
    return arcsTaken;
  }

  /** The live saving file, or null. */
  public MigrationFile savingFile() {
    return saving;
  }

  /** The live resuming file, or null. */
  public MigrationFile resumingFile() {
    return resuming;
  }

  /**
   * A SET of MIG_DEVICE_STATE. Returns the new data file when the last arc opened a session (the
   * caller installs it), else null. An arc the driver refuses (its errno) leaves the state at the
   * last arc that succeeded; an arc that breaks the device, or a driver bug (an unexpected
   * exception, a wrong session), leaves it in ERROR with every session ended: the core cannot know
   * what state the device is in.
   */
  MigrationFile set(long requested) {
    MigrationState target = MigrationState.of(requested).orElse(null);
    if (target == state) {
      return null;
    }
    if (target == null) {
      throw new KernelError(Errno.EINVAL, "no migration state " + requested);
    }
    MigrationFile opened = null;
    while (state != target) {
      MigrationState next = MigrationFsm.nextStep(state, target, flags());
      MigrationDriver.Session session;
      String arc = "arc " + state + " -> " + next;
      try {
        session = driver.arc(state, next);
      } catch (DeviceBrokenException e) {
        enterError();
        throw new KernelError(e.errno(), device.name() + " broke: " + e.getMessage());
      } catch (Throwable t) {
        KernelError k = device.modelFailures().answer(arc, t);
        if (!ModelFailures.deliberate(t)) {
          enterError();
        }
        throw k;
      }
      MigrationState from = state;
      String wrong = wrongSession(from, next, session);
      if (wrong != null) {
        device.modelFailures().record(arc, new IllegalStateException(wrong));
        if (session != null) {
          closeSession(arc, session);
        }
        enterError();
        throw new KernelError(Errno.EIO, device.name() + ": " + wrong);
      }
      state = next;
      arcsTaken++;
      if (from.inSavingGroup() && !next.inSavingGroup()) {
        retire(saving);
        saving = null;
      }
      if (from == RESUMING) {
        retire(resuming);
        resuming = null;
      }
      if (session != null) {
        opened = open(next, session);
      }
    }
    return opened;
  }

  /**
   * Why {@code s} is not what the arc must return (a stream of the right kind, or null), or null.
   */
  private static String wrongSession(
      MigrationState from, MigrationState to, MigrationDriver.Session s) {
    if (!MigrationFsm.opensSession(from, to)) {
      return s == null ? null : "the driver returned a session for arc " + from + " -> " + to;
    }
    boolean ok = to == RESUMING ? s instanceof ResumingStream : s instanceof SavingStream;
    return ok
        ? null
        : "arc "
            + from
            + " -> "
            + to
            + " must return a "
            + (to == RESUMING ? "ResumingStream" : "SavingStream")
            + ", not "
            + s;
  }

  private void closeSession(String where, MigrationDriver.Session s) {
    try {
      s.close();
    } catch (Throwable t) {
      device.modelFailures().record(where + ": session close", t);
    }
  }

  private void enterError() {
    state = ERROR;
    retireSessions();
  }

  private MigrationFile open(MigrationState to, MigrationDriver.Session s) {
    boolean wantSaving = to != RESUMING;
    MigrationFile f = new MigrationFile(this, s);
    if (wantSaving) {
      retire(saving);
      saving = f;
    } else {
      retire(resuming);
      resuming = f;
    }
    return f;
  }

  private static void retire(MigrationFile f) {
    if (f != null) {
      f.disable();
      f.put();
    }
  }

  private void retireSessions() {
    retire(saving);
    retire(resuming);
    saving = null;
    resuming = null;
  }

  /** Installs a new data fd in the caller's table, close-on-exec (EMFILE leaves it uninstalled). */
  static int install(FdTable fds, MigrationFile f) {
    return fds.install(f.get(), true);
  }

  /** A device reset: back to RUNNING with every session ended (the only way out of ERROR). */
  void reset() {
    retireSessions();
    state = RUNNING;
    try {
      driver.migrationReset();
    } catch (Throwable t) {
      // the device is in no state the core knows: only another reset can tell
      state = ERROR;
      throw device.modelFailures().answer("migration reset", t);
    }
  }

  /** The device's last user closed it: sessions end and the v2 opt-in is forgotten. */
  void closed() {
    retireSessions();
    precopyInfoV2 = false;
  }

  /** First open: PCI variant drivers start in RUNNING, a device that keeps its state does not. */
  void opened() {
    if (!driver.keepsStateAcrossClose()) {
      reset();
    }
  }

  long stopCopyLength() {
    try {
      return driver.stopCopyLength();
    } catch (Throwable t) {
      throw device.modelFailures().answer("stop-copy length", t);
    }
  }
}
