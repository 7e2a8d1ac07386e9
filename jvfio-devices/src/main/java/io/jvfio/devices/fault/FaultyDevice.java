package io.jvfio.devices.fault;

import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ForwardingDeviceModel;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

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

  private final FaultyDriver driver;
  private final List<ArcFault> arcFaults = new ArrayList<>();
  private final List<StreamFault> streamFaults = new ArrayList<>();
  private boolean broken;
  private long injected;

  public FaultyDevice(DeviceModel inner) {
    super(inner);
    MigrationDriver d = inner.migration();
    this.driver = d == null ? null : new FaultyDriver(d);
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
  }

  /** Faults that fired so far (failed or delayed arcs, faulted streams, broken-device arcs). */
  public synchronized long injected() {
    return injected;
  }

  @Override
  public void reset() {
    synchronized (this) {
      broken = false;
    }
    super.reset();
  }

  @Override
  public MigrationDriver migration() {
    return driver;
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
          return wrap(saving, faults);
        }
      }
      return s;
    }

    @Override
    public long stopCopyLength() {
      return d.stopCopyLength();
    }

    @Override
    public void migrationReset() {
      synchronized (FaultyDevice.this) {
        broken = false;
      }
      d.migrationReset();
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
