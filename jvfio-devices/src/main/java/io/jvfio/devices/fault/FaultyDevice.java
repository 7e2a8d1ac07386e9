package io.jvfio.devices.fault;

import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.ForwardingDeviceModel;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A device model wrapped with injectable migration faults, for testing what the core and a VMM do
 * when a device misbehaves. Everything not faulted is delegated to the wrapped model.
 *
 * <ul>
 *   <li>{@link #failArc}: a chosen arc (or any arc, with null for either end) throws {@link
 *       MigrationException} with a chosen errno, once or always; the wrapped driver never sees it,
 *       so the device stays in {@code from}.
 *   <li>{@link #delayArc}: a chosen arc waits before it runs (a slow firmware command).
 *   <li>{@link #corruptStream} / {@link #truncateStream}: the next saving session (or every one)
 *       has a byte flipped at a stream offset, or ends after a number of bytes (further reads
 *       return 0, and precopy info never announces bytes beyond the cut).
 *   <li>{@link #breakDevice()}: every following arc throws {@link DeviceBrokenException} (EIO),
 *       which the core takes as "the device is now in ERROR"; a reset (device or migration) repairs
 *       the device.
 *   <li>{@link #crashAt}: a chosen call into the model ({@link ModelCall}) throws what a buggy
 *       model would (any RuntimeException or Error), once or always, before the wrapped model sees
 *       it (a session close: after).
 * </ul>
 *
 * <p>Faults apply in this order for an arc: broken device, delays, failures, then the wrapped
 * driver. A ONCE fault is used up when it fires (a stream fault when a saving session opens).
 */
public final class FaultyDevice extends ForwardingDeviceModel {
  /** Whether a fault fires once or every time it matches. */
  public enum Repeat {
    ONCE,
    ALWAYS
  }

  private record ArcFault(
      MigrationState from, MigrationState to, Errno errno, Duration delay, Repeat repeat) {
    boolean matches(MigrationState f, MigrationState t) {
      return (from == null || from == f) && (to == null || to == t);
    }
  }

  private record StreamFault(long offset, int xor, long truncateAt, Repeat repeat) {}

  private record Crash(ModelCall call, Supplier<? extends Throwable> error, Repeat repeat) {}

  private final FaultyDriver driver;
  private final DmaLogging logging;
  private final List<ArcFault> arcFaults = new ArrayList<>();
  private final List<StreamFault> streamFaults = new ArrayList<>();
  private final List<Crash> crashes = new ArrayList<>();
  private volatile boolean crashArmed;
  private boolean broken;
  private long injected;

  public FaultyDevice(DeviceModel inner) {
    super(inner);
    MigrationDriver d = inner.migration();
    this.driver = d == null ? null : new FaultyDriver(d);
    DmaLogging l = inner.dmaLogging();
    this.logging = l == null ? null : new CrashingDmaLogging(l, this);
  }

  /**
   * Makes the arc {@code from -> to} fail with {@code errno}; null for {@code from} or {@code to}
   * matches any state.
   */
  public synchronized FaultyDevice failArc(
      MigrationState from, MigrationState to, Errno errno, Repeat repeat) {
    arcFaults.add(
        new ArcFault(
            from, to, Objects.requireNonNull(errno), null, Objects.requireNonNull(repeat)));
    return this;
  }

  /** Delays the arc {@code from -> to} (null matches any state) by {@code delay} before it runs. */
  public synchronized FaultyDevice delayArc(
      MigrationState from, MigrationState to, Duration delay, Repeat repeat) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("negative delay " + delay);
    }
    arcFaults.add(new ArcFault(from, to, null, delay, Objects.requireNonNull(repeat)));
    return this;
  }

  /**
   * Flips the bits {@code xor} (1..255) of the byte at stream offset {@code offset} of the next
   * saving session (ONCE) or of every saving session (ALWAYS).
   */
  public synchronized FaultyDevice corruptStream(long offset, int xor, Repeat repeat) {
    if (offset < 0 || xor <= 0 || xor > 0xff) {
      throw new IllegalArgumentException("corrupt offset " + offset + " xor " + xor);
    }
    streamFaults.add(new StreamFault(offset, xor, -1, Objects.requireNonNull(repeat)));
    return this;
  }

  /** Flips every bit of the byte at stream offset {@code offset}. */
  public FaultyDevice corruptStream(long offset, Repeat repeat) {
    return corruptStream(offset, 0xff, repeat);
  }

  /** Cuts the next (ONCE) or every (ALWAYS) saving stream after {@code length} bytes. */
  public synchronized FaultyDevice truncateStream(long length, Repeat repeat) {
    if (length < 0) {
      throw new IllegalArgumentException("truncate at " + length);
    }
    streamFaults.add(new StreamFault(-1, 0, length, Objects.requireNonNull(repeat)));
    return this;
  }

  /**
   * Makes {@code call} throw {@code error.get()} (a RuntimeException or an Error, as a model bug
   * would) the next time (ONCE) or every time (ALWAYS).
   */
  public synchronized FaultyDevice crashAt(
      ModelCall call, Supplier<? extends Throwable> error, Repeat repeat) {
    crashes.add(
        new Crash(
            Objects.requireNonNull(call),
            Objects.requireNonNull(error),
            Objects.requireNonNull(repeat)));
    crashArmed = true;
    return this;
  }

  /** Throws the crash armed for {@code call}, if any (using up a ONCE one). */
  void crashIfArmed(ModelCall call) {
    if (!crashArmed) {
      return; // the data path of an unarmed wrapper takes no lock
    }
    Throwable t = null;
    synchronized (this) {
      for (Iterator<Crash> it = crashes.iterator(); it.hasNext(); ) {
        Crash c = it.next();
        if (c.call() == call) {
          if (c.repeat() == Repeat.ONCE) {
            it.remove();
            crashArmed = !crashes.isEmpty();
          }
          injected++;
          t = c.error().get();
          break;
        }
      }
    }
    switch (t) {
      case null -> {}
      case RuntimeException e -> throw e;
      case Error e -> throw e;
      default -> throw new IllegalArgumentException("a crash must be unchecked: " + t);
    }
  }

  /** From now until a reset, every arc throws {@link DeviceBrokenException} (EIO). */
  public synchronized void breakDevice() {
    broken = true;
  }

  public synchronized boolean isBroken() {
    return broken;
  }

  /** Forgets every armed fault (a broken device stays broken until a reset). */
  public synchronized void clearFaults() {
    arcFaults.clear();
    streamFaults.clear();
    crashes.clear();
    crashArmed = false;
  }

  /** Faults that fired so far (failed or delayed arcs, faulted streams, broken-device arcs). */
  public synchronized long injected() {
    return injected;
  }

  @Override
  public void open(DeviceContext context) {
    crashIfArmed(ModelCall.OPEN);
    super.open(context);
  }

  @Override
  public void close() {
    crashIfArmed(ModelCall.CLOSE);
    super.close();
  }

  @Override
  public void reset() {
    crashIfArmed(ModelCall.RESET);
    synchronized (this) {
      broken = false;
    }
    super.reset();
  }

  @Override
  public MigrationDriver migration() {
    return driver;
  }

  @Override
  public DmaLogging dmaLogging() {
    return logging;
  }

  @Override
  public int deviceFeature(int index, int ops, MemorySegment payload) {
    crashIfArmed(ModelCall.DEVICE_FEATURE);
    return super.deviceFeature(index, ops, payload);
  }

  /** The arc faults that fire for {@code from -> to}, using up the ONCE ones. */
  private synchronized List<ArcFault> take(MigrationState from, MigrationState to) {
    if (broken) {
      injected++;
      throw new DeviceBrokenException(
          Errno.EIO, "injected: device broken at arc " + from + " -> " + to);
    }
    List<ArcFault> fired = new ArrayList<>();
    for (Iterator<ArcFault> it = arcFaults.iterator(); it.hasNext(); ) {
      ArcFault f = it.next();
      if (f.matches(from, to)) {
        fired.add(f);
        if (f.repeat() == Repeat.ONCE) {
          it.remove();
        }
      }
    }
    injected += fired.size();
    return fired;
  }

  /** Stream faults for a new saving session, using up the ONCE ones. */
  private synchronized List<StreamFault> takeStreamFaults() {
    List<StreamFault> fired = new ArrayList<>(streamFaults);
    streamFaults.removeIf(f -> f.repeat() == Repeat.ONCE);
    injected += fired.size();
    return fired;
  }

  private final class FaultyDriver implements MigrationDriver {
    private final MigrationDriver d;

    FaultyDriver(MigrationDriver d) {
      this.d = d;
    }

    @Override
    public long migrationFlags() {
      return d.migrationFlags();
    }

    @Override
    public Session arc(MigrationState from, MigrationState to) {
      crashIfArmed(ModelCall.ARC);
      List<ArcFault> fired = take(from, to);
      for (ArcFault f : fired) {
        if (f.delay() != null) {
          sleep(f.delay());
        }
      }
      for (ArcFault f : fired) {
        if (f.errno() != null) {
          throw new MigrationException(
              f.errno(), "injected: arc " + from + " -> " + to + " fails with " + f.errno());
        }
      }
      Session s = d.arc(from, to);
      if (s instanceof SavingStream saving) {
        List<StreamFault> faults = takeStreamFaults();
        if (!faults.isEmpty()) {
          s = wrap(saving, faults);
        }
      }
      return CrashingSessions.wrap(s, FaultyDevice.this);
    }

    @Override
    public long stopCopyLength() {
      crashIfArmed(ModelCall.STOP_COPY_LENGTH);
      return d.stopCopyLength();
    }

    @Override
    public void migrationReset() {
      synchronized (FaultyDevice.this) {
        broken = false;
      }
      d.migrationReset();
      crashIfArmed(ModelCall.MIGRATION_RESET);
    }

    @Override
    public boolean keepsStateAcrossClose() {
      return d.keepsStateAcrossClose();
    }
  }

  private static SavingStream wrap(SavingStream s, List<StreamFault> faults) {
    long limit = Long.MAX_VALUE;
    List<FaultySavingStream.Flip> flips = new ArrayList<>();
    for (StreamFault f : faults) {
      if (f.truncateAt() >= 0) {
        limit = Math.min(limit, f.truncateAt());
      } else {
        flips.add(new FaultySavingStream.Flip(f.offset(), (byte) f.xor()));
      }
    }
    return new FaultySavingStream(s, flips, limit);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MigrationException(Errno.EINTR, "injected delay interrupted");
    }
  }
}
