package io.jvfio.client;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;

/**
 * A device whose pre-copy initial data can grow again after it was read, as mlx5's does when its
 * firmware re-initialises the saved state: the next precopy info then says REINIT (once), with the
 * new initial bytes. memdev never does this, so it cannot show whether the v2 opt-in works.
 */
final class ReinitModel implements DeviceModel, MigrationDriver {
  static final long FLAGS =
      VfioConstants.VFIO_MIGRATION_STOP_COPY | VfioConstants.VFIO_MIGRATION_PRE_COPY;

  private final long initialBytes;
  private Saving saving;

  ReinitModel(long initialBytes) {
    this.initialBytes = initialBytes;
  }

  /** New initial data of {@code bytes} appears in the open pre-copy stream. */
  void reinitialize(long bytes) {
    saving.available += bytes;
    saving.reinit = true;
  }

  @Override
  public String name() {
    return "reinit";
  }

  @Override
  public void reset() {}

  @Override
  public MigrationDriver migration() {
    return this;
  }

  @Override
  public long migrationFlags() {
    return FLAGS;
  }

  @Override
  public long stopCopyLength() {
    return initialBytes;
  }

  @Override
  public Session arc(MigrationState from, MigrationState to) {
    if (to == PRE_COPY || (from == STOP && to == STOP_COPY)) {
      saving = new Saving(initialBytes);
      return saving;
    }
    if (to == RESUMING) {
      return (ResumingStream) MemorySegment::byteSize; // takes any stream
    }
    if (from == PRE_COPY && to == STOP_COPY) {
      return null; // the pre-copy stream carries on
    }
    if (from.inSavingGroup()) {
      saving = null;
    }
    return null; // RUNNING <-> STOP, leaving the saving group, RESUMING -> STOP
  }

  /** A stream of {@code available} bytes of 0x5a; REINIT is reported once after it grew. */
  private static final class Saving implements SavingStream {
    long available;
    long pos;
    boolean reinit;

    Saving(long available) {
      this.available = available;
    }

    @Override
    public long read(MemorySegment dst) {
      long n = Math.min(dst.byteSize(), available - pos);
      dst.asSlice(0, n).fill((byte) 0x5a);
      pos += n;
      return n;
    }

    @Override
    public PrecopyInfo precopyInfo() {
      PrecopyInfo info = new PrecopyInfo(available - pos, 0, reinit);
      reinit = false;
      return info;
    }
  }
}
