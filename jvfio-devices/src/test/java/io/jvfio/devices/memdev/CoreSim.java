package io.jvfio.devices.memdev;

import static io.jvfio.uapi.vfio.MigrationState.ERROR;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;

import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.host.vfio.MigrationFsm;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongSupplier;

/**
 * What the core does with a {@link MigrationDriver}, for driving models directly in tests: paths
 * from the core's FSM, one arc at a time, state committed after each successful arc, sessions
 * closed when the FSM leaves their state, ERROR on {@link DeviceBrokenException}.
 */
public final class CoreSim {
  private final MigrationDriver driver;
  private MigrationState state = RUNNING;
  private SavingStream saving;
  private ResumingStream resuming;

  public CoreSim(MigrationDriver driver) {
    this.driver = driver;
  }

  public MigrationState state() {
    return state;
  }

  public SavingStream saving() {
    return saving;
  }

  public ResumingStream resuming() {
    return resuming;
  }

  /**
   * A SET to {@code target}: returns the session the last arc opened, or null. A failing arc
   * propagates its exception with the state left at the last successful arc.
   */
  public MigrationDriver.Session set(MigrationState target) {
    MigrationDriver.Session opened = null;
    while (state != target) {
      MigrationState next = MigrationFsm.nextStep(state, target, driver.migrationFlags());
      MigrationDriver.Session s;
      try {
        s = driver.arc(state, next);
      } catch (DeviceBrokenException e) {
        state = ERROR;
        retire();
        throw e;
      }
      MigrationState from = state;
      state = next;
      if (from.inSavingGroup() && !next.inSavingGroup() && saving != null) {
        saving.close();
        saving = null;
      }
      if (from == RESUMING && resuming != null) {
        resuming.close();
        resuming = null;
      }
      if (s instanceof SavingStream ss) {
        saving = ss;
      } else if (s instanceof ResumingStream rs) {
        resuming = rs;
      }
      opened = s;
    }
    return opened;
  }

  /** VFIO_DEVICE_RESET's migration side. */
  public void reset() {
    retire();
    state = RUNNING;
    driver.migrationReset();
  }

  private void retire() {
    if (saving != null) {
      saving.close();
    }
    if (resuming != null) {
      resuming.close();
    }
    saving = null;
    resuming = null;
  }

  // ---- stream helpers ----

  /**
   * Reads the saving stream until it reports no more data: a read of 0 (permanent end or
   * truncation) or, in PRE_COPY, ENOMSG. Chunk sizes come from {@code sizes}.
   */
  public static long drain(SavingStream s, ByteArrayOutputStream out, LongSupplier sizes) {
    long total = 0;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(1 << 20);
      while (true) {
        long want = Math.max(1, Math.min(buf.byteSize(), sizes.getAsLong()));
        long n;
        try {
          n = s.read(buf.asSlice(0, want));
        } catch (MigrationException e) {
          if (e.errno() == Errno.ENOMSG) {
            return total;
          }
          throw e;
        }
        if (n == 0) {
          return total;
        }
        out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
        total += n;
      }
    }
  }

  public static long drain(SavingStream s, ByteArrayOutputStream out) {
    return drain(s, out, () -> 64 << 10);
  }

  /** Writes all of {@code data} into the resuming stream in pieces of {@code sizes} bytes. */
  public static void feed(ResumingStream r, byte[] data, LongSupplier sizes) {
    MemorySegment src = MemorySegment.ofArray(data);
    long at = 0;
    while (at < data.length) {
      long want = Math.max(1, Math.min(data.length - at, sizes.getAsLong()));
      long n = r.write(src.asSlice(at, want));
      if (n <= 0) {
        throw new AssertionError("write consumed " + n + " bytes at " + at);
      }
      at += n;
    }
  }

  public static void feed(ResumingStream r, byte[] data) {
    feed(r, data, () -> 64 << 10);
  }
}
