package io.jvfio.devices.fault;

import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import java.lang.foreign.MemorySegment;

/** Data sessions that throw at the calls a {@link FaultyDevice} has armed, else pass through. */
final class CrashingSessions {
  private CrashingSessions() {}

  static MigrationDriver.Session wrap(MigrationDriver.Session s, FaultyDevice device) {
    return switch (s) {
      case null -> null;
      case SavingStream saving -> new Saving(saving, device);
      case ResumingStream resuming -> new Resuming(resuming, device);
    };
  }

  private record Saving(SavingStream inner, FaultyDevice device) implements SavingStream {
    @Override
    public long read(MemorySegment dst) {
      device.crashIfArmed(ModelCall.SAVING_READ);
      return inner.read(dst);
    }

    @Override
    public PrecopyInfo precopyInfo() {
      device.crashIfArmed(ModelCall.PRECOPY_INFO);
      return inner.precopyInfo();
    }

    @Override
    public boolean readable() {
      device.crashIfArmed(ModelCall.POLL);
      return inner.readable();
    }

    @Override
    public void close() {
      inner.close();
      device.crashIfArmed(ModelCall.SESSION_CLOSE);
    }
  }

  private record Resuming(ResumingStream inner, FaultyDevice device) implements ResumingStream {
    @Override
    public long write(MemorySegment src) {
      device.crashIfArmed(ModelCall.RESUMING_WRITE);
      return inner.write(src);
    }

    @Override
    public void close() {
      inner.close();
      device.crashIfArmed(ModelCall.SESSION_CLOSE);
    }
  }
}
