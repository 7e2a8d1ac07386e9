package io.jvfio.host.migration;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * A migratable device model for the migration tests. It records every arc it is asked for (also the
 * ones it then fails), checks that each is a single arc Linux's table can produce for its flags,
 * and streams a deterministic image: byte {@code i} is {@code i * 7 + seed}.
 *
 * <p>STOP to STOP_COPY opens a complete saving stream; RUNNING to PRE_COPY and RUNNING_P2P to
 * PRE_COPY_P2P open a stream whose initial data is the image, and PRE_COPY[_P2P] to STOP_COPY
 * continues that stream. STOP to RESUMING collects bytes (ENOMEM past the image size); RESUMING to
 * STOP accepts only exactly the image this model would save.
 */
public final class TestMigrationModel implements DeviceModel, MigrationDriver {
  /** A handler for the model's own VFIO_DEVICE_FEATURE index. */
  @FunctionalInterface
  public interface FeatureHandler {
    int handle(int ops, MemorySegment payload);
  }

  /** The image a model with {@code seed} saves: byte {@code i} is {@code i * 7 + seed}. */
  public static byte[] image(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 7 + seed);
    }
    return b;
  }

  private final long flags;
  private final int imageSize;
  private final List<String> arcs = new ArrayList<>();
  private final List<String> events = new ArrayList<>();
  private int seed = 0x11;
  private long dirtyBytes;
  private boolean enomsgAtTemporaryEnd;
  private boolean reinit;
  private boolean keepsState;
  private String failArc;
  private Errno failErrno;
  private boolean breakNext;
  private Logging logging;
  private int featureIndex = -1;
  private FeatureHandler featureHandler;
  private Saving saving;
  private Resuming resuming;
  private byte[] resumed;

  /** A model with migration {@code flags} (0x1, 0x3, 0x5 or 0x7) and an image of that size. */
  public TestMigrationModel(long flags, int imageSize) {
    this.flags = flags;
    this.imageSize = imageSize;
  }

  // ---- configuration ----

  /** Sets the image seed (default 0x11); sender and receiver must agree. */
  public TestMigrationModel seed(int seed) {
    this.seed = seed;
    return this;
  }

  /** The {@code dirty_bytes} PRE_COPY streams report. */
  public TestMigrationModel dirtyBytes(long dirty) {
    this.dirtyBytes = dirty;
    return this;
  }

  /** Temporary end of a PRE_COPY stream: ENOMSG (mlx5) when true, 0 (mtty) when false. */
  public TestMigrationModel enomsgAtTemporaryEnd(boolean on) {
    this.enomsgAtTemporaryEnd = on;
    return this;
  }

  /** Whether precopy info reports REINIT. */
  public TestMigrationModel reinit(boolean on) {
    this.reinit = on;
    return this;
  }

  /** Keep the migration state across the last close (mtty) instead of restarting in RUNNING. */
  public TestMigrationModel keepsState(boolean on) {
    this.keepsState = on;
    return this;
  }

  /** Every {@code from -> to} arc fails with {@code errno} (the device stays in {@code from}). */
  public TestMigrationModel failArc(MigrationState from, MigrationState to, Errno errno) {
    this.failArc = from + "->" + to;
    this.failErrno = errno;
    return this;
  }

  /** Stops injecting arc failures. */
  public TestMigrationModel clearFailure() {
    this.failArc = null;
    this.failErrno = null;
    return this;
  }

  /** The next arc throws DeviceBrokenException (EIO): the core moves the device to ERROR. */
  public TestMigrationModel breakNextArc() {
    this.breakNext = true;
    return this;
  }

  /** Adds DMA dirty logging. */
  public TestMigrationModel withLogging() {
    this.logging = new Logging();
    return this;
  }

  /** Handles VFIO_DEVICE_FEATURE {@code index} itself. */
  public TestMigrationModel withFeature(int index, FeatureHandler handler) {
    this.featureIndex = index;
    this.featureHandler = handler;
    return this;
  }

  // ---- observations ----

  /** Every arc asked for, in order, as "FROM->TO". */
  public List<String> arcs() {
    return List.copyOf(arcs);
  }

  /** Arcs and other events in order: "FROM->TO", "reset", "migrationReset", "open", "close". */
  public List<String> events() {
    return List.copyOf(events);
  }

  /** Forgets the recorded arcs and events. */
  public void clearRecords() {
    arcs.clear();
    events.clear();
  }

  /** The image this model saves. */
  public byte[] image() {
    return image(imageSize, seed);
  }

  public int imageSize() {
    return imageSize;
  }

  /** The image accepted by the last successful RESUMING to STOP, or null. */
  public byte[] resumed() {
    return resumed;
  }

  /** The DMA logging, or null. */
  public Logging logging() {
    return logging;
  }

  // ---- DeviceModel ----

  @Override
  public String name() {
    return "test";
  }

  @Override
  public void open(io.jvfio.host.sdk.DeviceContext context) {
    events.add("open");
  }

  @Override
  public void close() {
    events.add("close");
  }

  @Override
  public void reset() {
    events.add("reset");
  }

  @Override
  public MigrationDriver migration() {
    return this;
  }

  @Override
  public DmaLogging dmaLogging() {
    return logging;
  }

  @Override
  public int deviceFeature(int index, int ops, MemorySegment payload) {
    if (index == featureIndex) {
      return featureHandler.handle(ops, payload);
    }
    return DeviceModel.super.deviceFeature(index, ops, payload);
  }

  // ---- MigrationDriver ----

  @Override
  public long migrationFlags() {
    return flags;
  }

  @Override
  public long stopCopyLength() {
    return imageSize;
  }

  @Override
  public boolean keepsStateAcrossClose() {
    return keepsState;
  }

  @Override
  public void migrationReset() {
    events.add("migrationReset");
    saving = null;
    resuming = null;
  }

  @Override
  public Session arc(MigrationState from, MigrationState to) {
    String arc = from + "->" + to;
    arcs.add(arc);
    events.add(arc);
    if (!singleArcs(flags).contains(arc)) {
      throw new IllegalStateException("the core asked for arc " + arc + " on flags " + flags);
    }
    if (breakNext) {
      breakNext = false;
      throw new DeviceBrokenException(Errno.EIO, "broke during " + arc);
    }
    if (arc.equals(failArc)) {
      throw new MigrationException(failErrno, "injected failure of " + arc);
    }
    if (from == STOP && to == STOP_COPY) {
      saving = new Saving(true);
      return saving;
    }
    if ((from == RUNNING && to == PRE_COPY) || (from == RUNNING_P2P && to == PRE_COPY_P2P)) {
      saving = new Saving(false);
      return saving;
    }
    if ((from == PRE_COPY || from == PRE_COPY_P2P) && to == STOP_COPY) {
      if (saving != null) {
        saving.complete = true;
      }
      return null;
    }
    if (from == STOP && to == RESUMING) {
      resuming = new Resuming();
      return resuming;
    }
    if (from == RESUMING && to == STOP) {
      byte[] got = Arrays.copyOf(resuming.bytes, resuming.received);
      if (!Arrays.equals(got, image())) {
        throw new MigrationException(
            Errno.EINVAL, "resumed " + resuming.received + " bytes, not the image");
      }
      resumed = got;
      resuming = null;
      return null;
    }
    if (from.inSavingGroup() && !to.inSavingGroup()) {
      saving = null;
    }
    return null;
  }

  /** The single arcs a driver with {@code flags} must implement (spec 6.1), as "FROM->TO". */
  public static Set<String> singleArcs(long flags) {
    boolean p2p = (flags & VfioConstants.VFIO_MIGRATION_P2P) != 0;
    boolean pre = (flags & VfioConstants.VFIO_MIGRATION_PRE_COPY) != 0;
    Set<String> s = new TreeSet<>();
    s.addAll(List.of("RESUMING->STOP", "STOP->RESUMING", "STOP->STOP_COPY", "STOP_COPY->STOP"));
    if (p2p) {
      s.addAll(
          List.of(
              "RUNNING->RUNNING_P2P",
              "RUNNING_P2P->RUNNING",
              "RUNNING_P2P->STOP",
              "STOP->RUNNING_P2P"));
    } else {
      s.addAll(List.of("RUNNING->STOP", "STOP->RUNNING"));
    }
    if (pre && !p2p) {
      s.addAll(List.of("RUNNING->PRE_COPY", "PRE_COPY->RUNNING", "PRE_COPY->STOP_COPY"));
    }
    if (pre && p2p) {
      s.addAll(
          List.of(
              "RUNNING->PRE_COPY",
              "PRE_COPY->RUNNING",
              "PRE_COPY->PRE_COPY_P2P",
              "PRE_COPY_P2P->PRE_COPY",
              "PRE_COPY_P2P->RUNNING_P2P",
              "PRE_COPY_P2P->STOP_COPY",
              "RUNNING_P2P->PRE_COPY_P2P"));
    }
    return s;
  }

  /** A saving stream over the image; {@code complete} once in STOP_COPY. */
  private final class Saving implements SavingStream {
    private final byte[] data = image();
    private int pos;
    boolean complete;

    Saving(boolean complete) {
      this.complete = complete;
    }

    @Override
    public long read(MemorySegment dst) {
      int n = (int) Math.min(dst.byteSize(), data.length - pos);
      if (n == 0 && !complete && enomsgAtTemporaryEnd) {
        throw new MigrationException(Errno.ENOMSG, "no pre-copy data right now");
      }
      MemorySegment.copy(data, pos, dst, ValueLayout.JAVA_BYTE, 0, n);
      pos += n;
      return n;
    }

    @Override
    public PrecopyInfo precopyInfo() {
      return new PrecopyInfo(data.length - pos, dirtyBytes, reinit);
    }

    @Override
    public void close() {
      events.add("saving closed");
    }
  }

  /** A resuming stream collecting at most the image size. */
  private final class Resuming implements ResumingStream {
    final byte[] bytes = new byte[imageSize];
    int received;

    @Override
    public long write(MemorySegment src) {
      if (src.byteSize() > imageSize - received) {
        throw new MigrationException(Errno.ENOMEM, "more than the image");
      }
      int n = (int) src.byteSize();
      MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, bytes, received, n);
      received += n;
      return n;
    }

    @Override
    public void close() {
      events.add("resuming closed");
    }
  }

  /** DMA dirty logging that records start and stop and reports the addresses it was given. */
  public final class Logging implements DmaLogging {
    private final List<Long> dirty = new ArrayList<>();
    private long trackedPageSize;
    private List<Range> ranges;
    private long startPageSize;
    private boolean started;

    /** START answers this page size instead of the requested one (0: the requested one). */
    public Logging trackedPageSize(long pageSize) {
      this.trackedPageSize = pageSize;
      return this;
    }

    /** Marks these IOVAs dirty until a report covering them clears them. */
    public Logging dirty(long... iovas) {
      for (long a : iovas) {
        dirty.add(a);
      }
      return this;
    }

    public boolean started() {
      return started;
    }

    /** The ranges of the last START, or null. */
    public List<Range> ranges() {
      return ranges;
    }

    /** The page size the last START asked for. */
    public long startPageSize() {
      return startPageSize;
    }

    @Override
    public long start(List<Range> ranges, long pageSize) {
      events.add("log start");
      this.ranges = ranges;
      this.startPageSize = pageSize;
      this.started = true;
      return trackedPageSize != 0 ? trackedPageSize : pageSize;
    }

    @Override
    public void stop() {
      events.add("log stop");
      started = false;
    }

    @Override
    public void report(long iova, long length, long pageSize, LongConsumer pages) {
      events.add("log report");
      List<Long> left = new ArrayList<>();
      for (long a : dirty) {
        if (Long.compareUnsigned(a, iova) >= 0 && Long.compareUnsigned(a - iova, length) < 0) {
          pages.accept(Long.divideUnsigned(a - iova, pageSize));
        } else {
          left.add(a);
        }
      }
      dirty.clear();
      dirty.addAll(left);
    }
  }
}
