package io.jvfio.migration.engine;

import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A device model that writes every migration arc it is asked for (and every reset) into a shared
 * {@link Log}, so that tests can check the order of arcs across devices and hosts. Everything else
 * goes to the wrapped model.
 */
final class RecordingDevice implements DeviceModel {
  /** One thing a device did: an arc (ok or refused) or a reset, and when (System.nanoTime). */
  record Event(
      String side,
      int device,
      String what,
      MigrationState from,
      MigrationState to,
      boolean ok,
      long nanos) {
    Event(
        String side, int device, String what, MigrationState from, MigrationState to, boolean ok) {
      this(side, device, what, from, to, ok, System.nanoTime());
    }

    boolean isArc() {
      return what.equals("arc");
    }

    boolean arcInto(MigrationState... states) {
      if (!isArc() || !ok) {
        return false;
      }
      for (MigrationState s : states) {
        if (to == s) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return side
          + "["
          + device
          + "] "
          + (isArc() ? from + "->" + to + (ok ? "" : " FAILED") : what);
    }
  }

  /** The events of every device of a test, in the order they happened. */
  static final class Log {
    private final List<Event> events = new ArrayList<>();

    synchronized void add(Event e) {
      events.add(e);
    }

    synchronized List<Event> events() {
      return List.copyOf(events);
    }

    synchronized List<Event> of(String side) {
      return events.stream().filter(e -> e.side().equals(side)).toList();
    }

    synchronized void clear() {
      events.clear();
    }
  }

  private final String side;
  private final int index;
  private final Log log;
  private final DeviceModel inner;
  private final MigrationDriver driver;

  RecordingDevice(String side, int index, Log log, DeviceModel inner) {
    this.side = side;
    this.index = index;
    this.log = log;
    this.inner = inner;
    MigrationDriver d = inner.migration();
    this.driver = d == null ? null : new Driver(d);
  }

  DeviceModel inner() {
    return inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void open(DeviceContext context) {
    inner.open(context);
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public void reset() {
    inner.reset();
    log.add(new Event(side, index, "reset", null, null, true));
  }

  @Override
  public void destroy() {
    inner.destroy();
  }

  @Override
  public MigrationDriver migration() {
    return driver;
  }

  @Override
  public DmaLogging dmaLogging() {
    return inner.dmaLogging();
  }

  @Override
  public int deviceFeature(int featureIndex, int ops, MemorySegment payload) {
    return inner.deviceFeature(featureIndex, ops, payload);
  }

  private final class Driver implements MigrationDriver {
    private final MigrationDriver d;

    Driver(MigrationDriver d) {
      this.d = d;
    }

    @Override
    public long migrationFlags() {
      return d.migrationFlags();
    }

    @Override
    public Session arc(MigrationState from, MigrationState to) {
      try {
        Session s = d.arc(from, to);
        log.add(new Event(side, index, "arc", from, to, true));
        return s;
      } catch (RuntimeException e) {
        log.add(new Event(side, index, "arc", from, to, false));
        throw e;
      }
    }

    @Override
    public long stopCopyLength() {
      return d.stopCopyLength();
    }

    @Override
    public void migrationReset() {
      d.migrationReset();
    }

    @Override
    public boolean keepsStateAcrossClose() {
      return d.keepsStateAcrossClose();
    }
  }
}
