package io.jvfio.migration.engine;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.client.Migration;
import io.jvfio.client.VfioException;
import io.jvfio.migration.report.GuestRamReport;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.wire.BackMessage;
import io.jvfio.migration.wire.BackReader;
import io.jvfio.migration.wire.DeviceIdentity;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.migration.wire.WireReader;
import io.jvfio.migration.wire.WireWriter;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The source side of a live migration, in QEMU's order: setup (RUNNING to PRE_COPY where the device
 * has it), precopy iterations until the remaining bytes fit the downtime limit at the measured
 * bandwidth, quiesce (every device to a P2P state before any stops), stop-copy to the end of each
 * stream, then wait for the destination to run the devices and only then move the source devices to
 * STOP. Any failure puts the source devices back to RUNNING (or resets them).
 */
public final class MigrationSource {
  private final List<MigratingDevice> devices;
  private final Channel channel;
  private final MigrationOptions options;
  private final ProgressListener progress;
  private final Timeline timeline = new Timeline();
  private final long[] precopyBytes;
  private final long[] stopCopyBytes;
  private final int[] iterations;
  private final List<String> notes = new ArrayList<>();
  private final BlockingQueue<BackMessage> back = new ArrayBlockingQueue<>(1024);
  private long bytesSent;
  private long dirtyNow;
  private String phase = "setup";
  private long quiesceStartNanos;
  private WireWriter writer;
  private long deadlineAt;
  private boolean touched;

  /** The receiver refused the session header (it said why and closed). */
  private boolean refused;

  /** The errno of the failed call behind the error, when there was one. */
  private String errno;

  /** Per device: bytes left of its open precopy round (a pass over its data); 0 when none. */
  private final long[] roundLeft;

  /** Per device: its precopy bytes (initial and dirty) at the last look, the next round's size. */
  private final long[] precopyPending;

  /** The estimate of what stop-copy moves, taken just before the switchover (-1: unknown). */
  private long stopCopyEstimate = -1;

  /** The cheapest PRE_COPY arc of setup, as the cost of each arc of the switchover. */
  private long arcNanos;

  private final Bandwidth bandwidth = new Bandwidth();

  /** The rate of guest RAM passes alone: scattered pages move slower than device state chunks. */
  private final Bandwidth ramBandwidth = new Bandwidth();

  // ---- guest RAM (all null or zero without it) ----
  private final GuestRam ram;
  private final DirtyTracking tracking;

  /** The pages still to send in this pass, one bit each; the engine thread's own. */
  private final long[] ramDirty;

  private long ramDirtyCount;
  private long ramCursor;
  private boolean ramFirstPassDone;
  // the passes as the stream shows them, so that the destination counts the same
  private final RamPasses ramPasses = new RamPasses();

  /** Throttles the vCPUs while RAM is dirtied too fast (null: auto-converge is off). */
  private AutoConverge autoConverge;

  private long autoConvergePeriodNanos = AutoConverge.DEFAULT_PERIOD_NANOS;

  /** Pages the syncs found newly dirty since auto-converge last weighed them. */
  private long ramNewlyDirty;

  private long ramBytesSent;

  /** RAM page bytes sent before stop-copy began; -1 until it begins. */
  private long ramBytesBeforeStopCopy = -1;

  /** The RAM's part of the latest {@link #pendingEstimate}; fixed at the switchover. */
  private long ramPendingBytes;

  private long ramStopCopyEstimate = -1;
  private long ramZeroPages;

  /** Pages whose latest copy on the wire was a zero marker. */
  private final long[] ramZeroNow;

  private long ramZeroNowCount;
  private long ramCpuPages;
  private boolean ramTracking;
  private MemorySegment ramScratch;
  private long predictedNanos = Long.MAX_VALUE;
  private long downtimeNanos;

  public MigrationSource(
      List<MigratingDevice> devices,
      Channel channel,
      MigrationOptions options,
      ProgressListener progress) {
    this(devices, null, channel, options, progress);
  }

  /**
   * The source of a VM: its devices and its guest RAM ({@code ram}, attached with {@link
   * GuestRam#attach} so that the devices' writes are tracked; null: devices only).
   */
  public MigrationSource(
      List<MigratingDevice> devices,
      GuestRam ram,
      Channel channel,
      MigrationOptions options,
      ProgressListener progress) {
    if (ram != null && ram.tracking() == null) {
      throw new IllegalArgumentException("the guest RAM must be attached to the devices first");
    }
    this.ram = ram;
    this.tracking = ram == null ? null : ram.tracking();
    this.ramDirty = ram == null ? null : new long[(int) ((ram.pages() + 63) / 64)];
    this.ramZeroNow = ram == null ? null : new long[(int) ((ram.pages() + 63) / 64)];
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("nothing to migrate: no devices");
    }
    this.devices = List.copyOf(devices);
    this.channel = channel;
    this.options = options;
    this.progress = progress;
    this.precopyBytes = new long[devices.size()];
    this.stopCopyBytes = new long[devices.size()];
    this.iterations = new int[devices.size()];
    this.roundLeft = new long[devices.size()];
    this.precopyPending = new long[devices.size()];
  }

  /** Runs the migration; never throws for a migration failure: the report says what happened. */
  public MigrationReport run() {
    timeline.restart();
    long t0 = System.nanoTime();
    deadlineAt = t0 + options.deadline().toNanos();
    String error = null;
    boolean completed = false;
    Thread backReader = null;
    boolean checked = false;
    try (Arena arena = Arena.ofConfined()) {
      checkDevices();
      checked = true;
      for (MigratingDevice d : devices) {
        // a device's data may take a while to be ready (a real driver's save command), but no
        // longer than the peer is allowed to be silent: then recovery runs the devices again
        d.migration().setReadWait(options.peerTimeout());
      }
      channel.setReadTimeout(options.peerTimeout());
      channel.setWriteTimeout(options.peerTimeout());
      channel.setDeadline(deadlineAt);
      BackReader backIn = new BackReader(channel, devices.size());
      backIn.setMessageTimeout(options.peerTimeout());
      byte[] nonce = greet(backIn);
      WireWriter out = new WireWriter(channel);
      writer = out;
      backReader =
          Thread.ofVirtual().name("migration-back-channel").start(() -> readBackChannel(backIn));
      MemorySegment chunk = arena.allocate(options.chunkBytes(), 4096);
      if (ram != null) {
        ramScratch = arena.allocate((long) WireFormat.MAX_RAM_PAGES * GuestRam.PAGE, 4096);
      }
      out.header(nonce, identities(), ram == null ? 0 : ram.bytes());
      out.flush();
      // the receiver compares the header with its own devices before this end touches any
      awaitAccept();
      setup(out);
      precopy(out, chunk);
      if (stopCopyEstimate < 0) {
        stopCopyEstimate = pendingEstimate();
      }
      // downtime starts as the first device leaves a running state
      quiesceStartNanos = System.nanoTime();
      quiesce();
      stopCopy(out, chunk);
      out.trailer();
      phase("completing");
      BackMessage.Result loaded = awaitResult();
      if (!loaded.ok()) {
        throw new MigrationFailure("the destination could not resume: " + loaded.message());
      }
      // the decision: from here the destination runs the devices, so the two ends never both do
      out.commit();
      long commitNanos = System.nanoTime();
      completed = true;
      BackMessage after = awaitAnswer();
      long answerNanos = System.nanoTime();
      if (after instanceof BackMessage.Result r && !r.ok()
          || after instanceof BackMessage.Abort a && a != connectionLost) {
        // the destination could not run them and reset its devices: the source may run them again
        completed = false;
        String why =
            after instanceof BackMessage.Abort a
                ? a.reason()
                : ((BackMessage.Result) after).message();
        throw new MigrationFailure(
            "the destination could not run the devices after the commit: " + why);
      }
      if (after instanceof BackMessage.Result r) {
        downtimeNanos = Downtime.total(quiesceStartNanos, commitNanos, answerNanos, r.nanos());
        try {
          out.outcome(downtimeNanos, options.downtimeLimit().toNanos());
        } catch (IOException e) {
          notes.add("could not send the measured downtime to the destination: " + describe(e));
        }
      } else {
        downtimeNanos = answerNanos - quiesceStartNanos;
        notes.add(
            "the destination did not confirm that the devices run; after the commit they are its"
                + " own, so the source keeps its devices stopped (the downtime shown is the time"
                + " until the source gave up waiting)");
      }
      // the destination runs the devices now: the migration has completed, and a source device
      // must never run again. They stop only now, so that it does not add to the downtime; one that
      // cannot stop is reset (QEMU's set_state_or_reset in save_cleanup).
      completed = true;
      for (MigratingDevice d : devices) {
        stopAfterCompletion(d);
      }
    } catch (IOException | RuntimeException e) {
      errno = errnoOf(e);
      // the engine thread only writes the forward stream (once greeted): a timeout there means
      // the destination stopped taking data, and an abort would stall the same way
      boolean stalled = writer != null && e instanceof SocketTimeoutException;
      if (stalled) {
        error = "the destination stopped taking data: " + e.getMessage();
      } else {
        error = e instanceof IOException io ? connectionError(io) : describe(e);
      }
      if (System.nanoTime() - deadlineAt >= 0 && !error.contains("deadline of")) {
        // whichever wait noticed first, the cause is the overall limit
        error =
            "the migration did not complete within its deadline of "
                + options.deadline().toMillis()
                + " ms (in "
                + phase
                + "): "
                + error;
      }
      if (completed) {
        // committed: the destination owns the devices now, whatever failed afterwards
        notes.add("after the commit: " + error);
        error = null;
        return report(true, null, (long) ((System.nanoTime() - t0) / 1e6));
      }
      phase("recovering");
      // whatever limit ended the migration, the abort and the recovery get a short time of their
      // own
      channel.setDeadline(
          System.nanoTime() + Math.min(options.peerTimeout().toNanos(), ABORT_NANOS));
      if (stalled || refused) {
        // no use telling a destination that stopped taking data, or one that refused already
        channel.close();
      } else {
        tellDestination(error);
      }
      stopRamTracking();
      stopThrottling();
      if (ram != null) {
        // the VM runs on here again: its CPUs with its devices
        ram.resumeCpus();
      }
      if (touched) {
        recover();
        if (quiesceStartNanos != 0) {
          // the devices did not run from the switchover until recovery ran them here again: that
          // is the downtime they had, even though the destination never ran them
          downtimeNanos = System.nanoTime() - quiesceStartNanos;
          notes.add(
              "the devices were stopped for "
                  + millis(downtimeNanos)
                  + " ms, from the switchover until they ran again on this host; the destination"
                  + " never ran them");
        }
      } else {
        // refused before any device was touched: leave each one as it is
        channel.close();
      }
    } finally {
      if (backReader != null) {
        backReader.interrupt();
      }
    }
    return report(completed, error, (long) ((System.nanoTime() - t0) / 1e6));
  }

  /** How long the abort to the destination may take once the migration failed. */
  private static final long ABORT_NANOS = 1_000_000_000L;

  /**
   * The receiver's HELLO: its wire version (which must be ours) and the session nonce to echo. A
   * receiver that is busy answers with an ABORT instead.
   */
  private byte[] greet(BackReader in) throws IOException {
    BackMessage m;
    try {
      m = in.next();
    } catch (SocketTimeoutException e) {
      throw new MigrationFailure(
          "the receiver sent no greeting within "
              + options.peerTimeout().toMillis()
              + " ms: it is not a jvfio receiver, or one older than wire format "
              + WireFormat.VERSION
              + " (which greets first)",
          e);
    }
    return switch (m) {
      case BackMessage.Hello h -> {
        if (h.version() != WireFormat.VERSION) {
          throw new MigrationFailure(WireReader.versionMismatch("receiver", h.version()));
        }
        yield h.nonce();
      }
      case BackMessage.Abort a -> throw new MigrationFailure("the receiver refused: " + a.reason());
      default ->
          throw new MigrationFailure(
              "the receiver's first message was " + m + ", not its greeting (HELLO)");
    };
  }

  /**
   * The receiver's answer to the header, before any device is touched: ACCEPT, or an ABORT saying
   * why its devices are not the ones this end sends.
   */
  private void awaitAccept() {
    long deadline = answerDeadline();
    while (true) {
      BackMessage m;
      try {
        m = back.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MigrationFailure("interrupted while waiting for the receiver to accept");
      }
      switch (m) {
        case null ->
            throw new MigrationFailure(
                "the receiver did not accept the session header within "
                    + (deadline == deadlineAt
                        ? options.deadline().toMillis() + " ms (the migration's deadline)"
                        : options.peerTimeout().toMillis() + " ms")
                    + "; no device was touched");
        case BackMessage.Accept a -> {
          return;
        }
        case BackMessage.Abort a when a == connectionLost -> throw new MigrationFailure(a.reason());
        case BackMessage.Abort a -> {
          refused = true;
          throw new MigrationFailure(
              "the receiver refused the migration before any device was touched: " + a.reason());
        }
        default ->
            throw new MigrationFailure(
                "the receiver answered the session header with " + m + ", not ACCEPT");
      }
    }
  }

  private void stopAfterCompletion(MigratingDevice d) {
    try {
      d.migration().set(STOP);
    } catch (VfioException e) {
      try {
        d.device().reset();
        notes.add(d.bdf() + " could not stop after the migration (" + e.getMessage() + "): reset");
      } catch (VfioException r) {
        notes.add(d.bdf() + " could not stop after the migration nor be reset: " + r.getMessage());
      }
    }
  }

  private void checkDevices() {
    List<String> noP2p = new ArrayList<>();
    for (MigratingDevice d : devices) {
      Migration m = d.migration();
      if (m.state() != RUNNING) {
        throw new MigrationFailure(d.bdf() + " is in " + m.state() + ", not RUNNING");
      }
      if (!m.hasP2P()) {
        noP2p.add(d.bdf() + " (" + d.model() + ")");
      }
    }
    if (devices.size() > 1 && !noP2p.isEmpty()) {
      throw new MigrationFailure(
          "several devices migrate together only when every one supports P2P, so that none is "
              + "stopped while another still does peer DMA; without P2P: "
              + String.join(", ", noP2p));
    }
  }

  private List<DeviceIdentity> identities() {
    List<DeviceIdentity> ids = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      MigratingDevice d = devices.get(i);
      ids.add(
          new DeviceIdentity(
              i, d.bdf(), d.model(), d.vendor(), d.deviceId(), d.migration().flags()));
    }
    return ids;
  }

  private void setup(WireWriter out) throws IOException {
    phase("setup");
    for (int i = 0; i < devices.size(); i++) {
      Migration m = devices.get(i).migration();
      if (m.hasPreCopy()) {
        touched = true;
        long t = System.nanoTime();
        m.set(PRE_COPY);
        // the cheapest arc: the first one in a young JVM also pays for loading and interpreting
        // the whole ioctl path (7-10 ms here against 0.2 ms warm), and taking it for every arc
        // of the switchover made a 100 ms limit unreachable in the CLI
        long took = System.nanoTime() - t;
        arcNanos = arcNanos == 0 ? took : Math.min(arcNanos, took);
      }
      out.setup(i);
      out.endOfState(i);
    }
    if (ram != null) {
      // as QEMU: dirty logging starts before the first pass, which sends every page
      touched = true;
      ramTracking = true;
      tracking.start();
      java.util.Arrays.fill(ramDirty, -1L);
      long tail = ram.pages() & 63;
      if (tail != 0) {
        ramDirty[ramDirty.length - 1] = (1L << tail) - 1;
      }
      ramDirtyCount = ram.pages();
      ramCursor = 0;
      if (options.autoConverge()) {
        autoConverge = new AutoConverge(autoConvergePeriodNanos, System.nanoTime(), bytesSent);
      }
    }
    out.flush();
  }

  /** For tests: weighs the dirty rate over shorter periods than QEMU's second. */
  MigrationSource autoConvergePeriod(Duration period) {
    autoConvergePeriodNanos = period.toNanos();
    return this;
  }

  /** After a pass's sync: auto-converge weighs what the guest dirtied against what was sent. */
  private void weighDirtyRate() {
    if (autoConverge == null) {
      return;
    }
    int t = autoConverge.afterSync(System.nanoTime(), ramNewlyDirty * GuestRam.PAGE, bytesSent);
    ramNewlyDirty = 0;
    if (t != ram.cpuThrottlePercent()) {
      ram.throttleCpus(t);
    }
  }

  /** The vCPUs run unthrottled again (the migration ended, or they are paused anyway). */
  private void stopThrottling() {
    if (ram != null && ram.cpuThrottlePercent() != 0) {
      ram.throttleCpus(0);
    }
  }

  /** The CPUs' and the devices' dirty pages since the last sync join the pages to send. */
  private void ramSync() {
    ramCpuPages += ram.harvestCpuDirty(ramDirty);
    tracking.sync(ramDirty);
    long n = 0;
    for (long w : ramDirty) {
      n += Long.bitCount(w);
    }
    ramNewlyDirty += n - ramDirtyCount;
    ramDirtyCount = n;
    ramCursor = 0;
  }

  /** The next page to send (one must be pending), taken out of the set. */
  private long nextDirtyPage() {
    while (true) {
      int w = (int) (ramCursor >>> 6);
      long bits = ramDirty[w] & (-1L << (ramCursor & 63));
      if (bits != 0) {
        long p = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
        ramDirty[w] &= ~(1L << (p & 63));
        ramDirtyCount--;
        ramCursor = p + 1;
        return p;
      }
      ramCursor = ((long) w + 1) << 6;
      if (ramCursor >= ram.pages()) {
        ramCursor = 0;
      }
    }
  }

  /**
   * Sends up to {@code budget} pending pages: runs of consecutive data pages as RAM_PAGES records,
   * runs of zero pages as RAM_ZERO markers. Returns the pages handled.
   */
  private int sendRam(WireWriter out, int budget, MemorySegment scratch) throws IOException {
    // the rate counts the whole pass (zero checks, copies, writes): stop-copy pays all of it
    long t = System.nanoTime();
    long sentBefore = ramBytesSent;
    int done = 0;
    long runStart = -1;
    int runLength = 0;
    boolean runZero = false;
    MemorySegment mem = ram.memory();
    while (done < budget && ramDirtyCount > 0) {
      long p = nextDirtyPage();
      MemorySegment page = mem.asSlice(p * GuestRam.PAGE, GuestRam.PAGE);
      boolean zero = GuestRam.isZero(page);
      if (runLength > 0
          && (zero != runZero
              || p != runStart + runLength
              || (!zero && runLength == WireFormat.MAX_RAM_PAGES))) {
        flushRun(out, runStart, runLength, runZero, scratch);
        runLength = 0;
      }
      if (runLength == 0) {
        runStart = p;
        runZero = zero;
      }
      if (!zero) {
        // a copy, so the record's bytes and its CRC are the same even if the guest writes now
        MemorySegment.copy(page, 0, scratch, (long) runLength * GuestRam.PAGE, GuestRam.PAGE);
      }
      runLength++;
      done++;
    }
    if (runLength > 0) {
      flushRun(out, runStart, runLength, runZero, scratch);
    }
    if (done > 0) {
      long took = System.nanoTime() - t;
      bandwidth.add(ramBytesSent - sentBefore, took);
      ramBandwidth.add(ramBytesSent - sentBefore, took);
    }
    return done;
  }

  private void flushRun(WireWriter out, long first, int pages, boolean zero, MemorySegment scratch)
      throws IOException {
    long address = first * GuestRam.PAGE;
    if (ramBytesBeforeStopCopy < 0) {
      // a precopy pass (stop-copy sends the RAM of no pass)
      ramPasses.record(address, pages);
    }
    markZeroNow(first, pages, zero);
    if (zero) {
      out.ramZero(address, pages);
      ramZeroPages += pages;
      return;
    }
    long n = (long) pages * GuestRam.PAGE;
    out.ramPages(address, scratch.asSlice(0, n));
    ramBytesSent += n;
    timeline.ramBytes(ramBytesSent);
    bytesSent += n;
  }

  /** Records which pages were last sent as zero, for the estimate of a resend of every page. */
  private void markZeroNow(long first, int pages, boolean zero) {
    for (long p = first; p < first + pages; p++) {
      int w = (int) (p >>> 6);
      long bit = 1L << (p & 63);
      if (zero && (ramZeroNow[w] & bit) == 0) {
        ramZeroNow[w] |= bit;
        ramZeroNowCount++;
      } else if (!zero && (ramZeroNow[w] & bit) != 0) {
        ramZeroNow[w] &= ~bit;
        ramZeroNowCount--;
      }
    }
  }

  /** The pages of a precopy pass sent per engine loop, beside a chunk of each device's data. */
  private static final int RAM_PAGES_PER_LOOP = WireFormat.MAX_RAM_PAGES;

  /**
   * Stop-copy's RAM: once every device is out of RUNNING and PRE_COPY (and the CPUs are paused) no
   * page can change any more, so the last sync misses nothing; then logging stops.
   */
  private void ramStopCopy(WireWriter out, MemorySegment scratch) throws IOException {
    ramBytesBeforeStopCopy = ramBytesSent;
    ramSync();
    if (tracking.method() == DirtyTracking.Method.NONE && !tracking.droppingDeviceDirty()) {
      // nothing says which pages the devices wrote: every page mapped for DMA is resent
      java.util.Arrays.fill(ramDirty, -1L);
      long tail = ram.pages() & 63;
      if (tail != 0) {
        ramDirty[ramDirty.length - 1] = (1L << tail) - 1;
      }
      ramDirtyCount = ram.pages();
      ramCursor = 0;
    }
    while (ramDirtyCount > 0) {
      sendRam(out, RAM_PAGES_PER_LOOP, scratch);
      timeline.sample(bytesSent, ramDirtyCount * GuestRam.PAGE, phase, false);
    }
    stopRamTracking();
  }

  /** Stops the dirty tracking if it runs; best effort on a failure path. */
  private void stopRamTracking() {
    if (!ramTracking) {
      return;
    }
    ramTracking = false;
    try {
      tracking.stop();
    } catch (RuntimeException e) {
      notes.add("could not stop the guest RAM's dirty tracking: " + describe(e));
    }
  }

  /**
   * What stop-copy still has to move: per device its MIG_DATA_SIZE (which the uAPI defines as the
   * bytes needed to complete stop-copy, unread precopy data included), or the precopy bytes it
   * reports when a driver counts those apart and they are larger. Never the sum of both: that would
   * count the same bytes twice.
   */
  long pendingEstimate() {
    long pending = 0;
    dirtyNow = 0;
    for (int i = 0; i < devices.size(); i++) {
      Migration m = devices.get(i).migration();
      long stopCopy = m.stopCopySize();
      long precopy = 0;
      if (m.hasPreCopy() && m.hasDataStream()) {
        Migration.PrecopyInfo info = m.precopyInfo();
        dirtyNow += info.dirtyBytes();
        precopy = info.initialBytes() + info.dirtyBytes();
      }
      precopyPending[i] = precopy;
      pending += Math.max(stopCopy, precopy);
    }
    long devicePending = pending;
    if (ram != null) {
      // every pending page may be data; with no tracking, stop-copy resends every page, of which
      // those last sent zero travel as markers again unless they were written since
      long pages =
          tracking.method() == DirtyTracking.Method.NONE
              ? Math.min(ram.pages(), ram.pages() - ramZeroNowCount + ramDirtyCount)
              : ramDirtyCount;
      dirtyNow += ramDirtyCount * GuestRam.PAGE;
      pending += pages * GuestRam.PAGE;
    }
    ramPendingBytes = pending - devicePending;
    return pending;
  }

  /**
   * The downtime a switchover now would take, in nanoseconds: the pending bytes at the measured
   * busy rate, plus the fixed part (every device's quiesce and stop-copy arcs here and its arcs at
   * the destination, and the commit round trip). Long.MAX_VALUE while the rate is unknown and there
   * is more than a little to move.
   */
  long predictDowntimeNanos(long pending, double bytesPerSecond) {
    long fixed = FIXED_NANOS + 4L * devices.size() * arcNanos;
    if (bytesPerSecond <= 0) {
      return pending <= SMALL_PENDING ? fixed : Long.MAX_VALUE;
    }
    return fixed + (long) (pending / bytesPerSecond * 1e9);
  }

  /**
   * The rate the switchover estimate assumes. With guest RAM, stop-copy moves mostly RAM pages, and
   * those scattered pages travel slower than the devices' chunks that fill most of precopy: the
   * slower of the two rates once RAM has been measured.
   */
  private double switchoverRate() {
    double all = bandwidth.bytesPerSecond();
    if (ram == null || !ramBandwidth.measured()) {
      return all;
    }
    return Math.min(all, ramBandwidth.bytesPerSecond());
  }

  /** Whether a predicted downtime leaves the limit its share for noise. */
  boolean fitsLimit(long predictedNanos) {
    return predictedNanos <= (long) (options.downtimeLimit().toNanos() * LIMIT_SHARE);
  }

  /** The commit round trip and the trailer, on a local link. */
  private static final long FIXED_NANOS = 2_000_000L;

  /** Below this, a switchover needs no rate measurement. */
  private static final long SMALL_PENDING = 64 * 1024;

  /** The estimate must fit this share of the limit: the rest absorbs noise (GC, scheduling). */
  static final double LIMIT_SHARE = 0.7;

  private boolean initialBytesSent() {
    if (ram != null && !ramFirstPassDone) {
      return false;
    }
    for (MigratingDevice d : devices) {
      Migration m = d.migration();
      if (m.hasPreCopy() && m.precopyInfo().initialBytes() > 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Precopy in rounds: a device's round is one pass over the data it had pending when the round
   * began (its initial data, later its dirty data), read a chunk per loop beside the other devices.
   * The round ends when that much was sent or the device has nothing more for now; its section then
   * ends with END_OF_STATE (or INIT_DATA_SENT, once, for switchover-ack). A device's iterations are
   * its rounds, so both ends count the same from the stream.
   */
  private void precopy(WireWriter out, MemorySegment chunk) throws IOException {
    boolean any = devices.stream().anyMatch(d -> d.migration().hasPreCopy());
    if (!any && ram == null) {
      return;
    }
    phase("precopy");
    long start = System.nanoTime();
    boolean[] ackSent = new boolean[devices.size()];
    int acks = 0;
    int needAcks = (int) devices.stream().filter(d -> d.migration().hasPreCopy()).count();
    boolean overdueNoted = false;
    Backlog backlog = new Backlog(SMALL_PENDING);
    long pending = pendingEstimate();
    long lastWrite = System.nanoTime();
    while (true) {
      long passBytes = 0;
      int ramPages = 0;
      if (ram != null) {
        if (ramDirtyCount == 0) {
          ramSync();
        }
        long before = bytesSent;
        ramPages = sendRam(out, RAM_PAGES_PER_LOOP, ramScratch);
        passBytes += bytesSent - before;
        if (ramDirtyCount == 0) {
          ramFirstPassDone = true;
          // as QEMU syncs before it weighs a switchover: the estimate below must count what was
          // dirtied during the pass, or stop-copy would find it all at once
          ramSync();
          weighDirtyRate();
        }
      }
      for (int i = 0; i < devices.size(); i++) {
        Migration m = devices.get(i).migration();
        if (!m.hasPreCopy()) {
          continue;
        }
        long t = System.nanoTime();
        long n = m.read(chunk);
        if (n > 0) {
          if (roundLeft[i] <= 0) {
            iterations[i]++;
            roundLeft[i] = Math.max(1, precopyPending[i]);
          }
          passBytes += n;
          out.data(i, chunk.asSlice(0, n));
          precopyBytes[i] += n;
          bytesSent += n;
          bandwidth.add(n, System.nanoTime() - t);
          roundLeft[i] -= n;
          if (roundLeft[i] <= 0) {
            endRound(out, i, ackSent);
          }
        } else if (roundLeft[i] > 0) {
          // nothing more for now: the pass is over
          endRound(out, i, ackSent);
        } else if (options.switchoverAck() && !ackSent[i] && m.precopyInfo().initialBytes() == 0) {
          // a device with no initial data at all still approves the switchover
          out.initDataSent(i);
          ackSent[i] = true;
        }
      }
      long t = System.nanoTime();
      if (passBytes > 0 || ramPages > 0) {
        lastWrite = t;
      } else if (t - lastWrite >= options.keepAlive().toNanos()) {
        // nothing to send for a while: empty sections show the destination this end is alive
        // (it allows each record the peer timeout); they carry no data, so they are no round
        for (int i = 0; i < devices.size(); i++) {
          if (devices.get(i).migration().hasPreCopy() && roundLeft[i] <= 0) {
            out.endOfState(i);
          }
        }
        lastWrite = t;
      }
      out.flush();
      if (passBytes > 0) {
        // time spent pushing data counts; an idle pass's markers must not dilute the rate, or
        // waiting for dirty pages would make the link look slow and precopy never converge
        bandwidth.add(0, System.nanoTime() - t);
      }
      acks += drainAcks();
      long now = System.nanoTime();
      pending = pendingEstimate();
      double rate = switchoverRate();
      predictedNanos = predictDowntimeNanos(pending, rate);
      timeline.sample(bytesSent, dirtyNow, phase, false);
      progress.progress(bytesSent, pending, rate);
      boolean acked = !options.switchoverAck() || acks >= needAcks;
      // a backlog that still drains is cheaper to send now than with the devices stopped
      boolean draining = backlog.draining(now, pending);
      if (acked && initialBytesSent() && fitsLimit(predictedNanos) && !draining) {
        if (ram == null) {
          break;
        }
        // as QEMU syncs the dirty log once more before it completes: the estimate must also count
        // the pages dirtied since the current pass began, or stop-copy finds them all at once
        ramSync();
        pending = pendingEstimate();
        predictedNanos = predictDowntimeNanos(pending, rate);
        if (fitsLimit(predictedNanos)) {
          break;
        }
      }
      if (now - deadlineAt >= 0) {
        throw new MigrationFailure(
            "precopy did not converge before the migration's deadline of "
                + options.deadline().toMillis()
                + " ms: "
                + convergenceState(pending, rate));
      }
      if (Duration.ofNanos(now - start).compareTo(options.maxPrecopy()) > 0) {
        boolean switchover = false;
        switch (options.onNoConvergence()) {
          case FAIL ->
              throw new MigrationFailure(
                  "precopy did not converge within "
                      + options.maxPrecopy().toMillis()
                      + " ms: "
                      + convergenceState(pending, rate));
          case SWITCHOVER -> {
            notes.add(
                "precopy did not converge within "
                    + options.maxPrecopy().toMillis()
                    + " ms: switched over anyway ("
                    + convergenceState(pending, rate)
                    + ")");
            switchover = true;
          }
          case KEEP_ITERATING -> {
            if (!overdueNoted) {
              overdueNoted = true;
              notes.add(
                  "precopy had not converged after "
                      + options.maxPrecopy().toMillis()
                      + " ms; kept iterating ("
                      + convergenceState(pending, rate)
                      + ")");
            }
          }
        }
        if (switchover) {
          break;
        }
      }
      if (passBytes == 0 && ramPages == 0) {
        sleepBriefly();
      }
    }
    // a round still open at the switchover ends here; the rest of its data goes in stop-copy
    for (int i = 0; i < devices.size(); i++) {
      if (roundLeft[i] > 0) {
        endRound(out, i, ackSent);
      }
    }
    stopCopyEstimate = pending;
    ramStopCopyEstimate = ram == null ? -1 : ramPendingBytes;
  }

  /** Ends device {@code i}'s precopy round: INIT_DATA_SENT once its initial data is out. */
  private void endRound(WireWriter out, int i, boolean[] ackSent) throws IOException {
    roundLeft[i] = 0;
    if (options.switchoverAck()
        && !ackSent[i]
        && devices.get(i).migration().precopyInfo().initialBytes() == 0) {
      out.initDataSent(i);
      ackSent[i] = true;
    } else {
      out.endOfState(i);
    }
  }

  private String convergenceState(long pending, double rate) {
    String predicted =
        predictedNanos == Long.MAX_VALUE
            ? "unknown"
            : String.format(Locale.ROOT, "%.0f ms", predictedNanos / 1e6);
    return String.format(
        Locale.ROOT,
        "%d bytes pending at %.0f bytes/s, a switchover would take about %s against the %d ms limit",
        pending,
        rate,
        predicted,
        options.downtimeLimit().toMillis());
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MigrationFailure("interrupted during precopy");
    }
  }

  private int drainAcks() {
    int n = 0;
    for (BackMessage m; (m = back.poll()) != null; ) {
      switch (m) {
        case BackMessage.SwitchoverAck a -> n++;
        case BackMessage.Abort a -> throw new MigrationFailure(abortText(a));
        case BackMessage.Result r ->
            throw new MigrationFailure("the destination answered too early: " + r.message());
        default -> throw new MigrationFailure("unexpected back-channel message " + m);
      }
    }
    return n;
  }

  private void quiesce() {
    phase("stop-copy");
    touched = true;
    if (ram != null) {
      // the VM stops: its CPUs first, then its devices
      ram.pauseCpus();
      stopThrottling();
    }
    // every device stops peer DMA before any device stops
    for (MigratingDevice d : devices) {
      Migration m = d.migration();
      if (m.hasP2P()) {
        m.set(m.state() == PRE_COPY ? PRE_COPY_P2P : RUNNING_P2P);
      }
    }
  }

  private void stopCopy(WireWriter out, MemorySegment chunk) throws IOException {
    long moved = 0;
    for (int i = 0; i < devices.size(); i++) {
      Migration m = devices.get(i).migration();
      m.set(STOP_COPY);
      // the device's DATA from here on is stop-copy data, and the destination files it so
      out.stopCopy(i);
      while (true) {
        long t = System.nanoTime();
        long n = m.read(chunk);
        if (n == 0) {
          break;
        }
        if (n == Migration.NO_DATA_NOW) {
          throw new MigrationFailure(devices.get(i).bdf() + " answered ENOMSG in STOP_COPY");
        }
        out.data(i, chunk.asSlice(0, n));
        stopCopyBytes[i] += n;
        bytesSent += n;
        moved += n;
        bandwidth.add(n, System.nanoTime() - t);
        timeline.sample(bytesSent, 0, phase, false);
        progress.progress(
            bytesSent, Math.max(0, stopCopyEstimate - moved), bandwidth.bytesPerSecond());
      }
      out.endOfState(i);
    }
    if (ram != null) {
      ramStopCopy(out, ramScratch);
    }
  }

  /**
   * The destination's answer after the commit: its RUNNING result, an abort, or null when none came
   * within the peer timeout or the connection went.
   */
  private BackMessage awaitAnswer() {
    long deadline = answerDeadline();
    while (true) {
      BackMessage m;
      try {
        m = back.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      if (m == null || m == connectionLost) {
        return null;
      }
      if (!(m instanceof BackMessage.SwitchoverAck)) {
        return m;
      }
    }
  }

  /** An answer is due within the peer timeout, and never after the migration's deadline. */
  private long answerDeadline() {
    long byTimeout = System.nanoTime() + options.peerTimeout().toNanos();
    return byTimeout - deadlineAt < 0 ? byTimeout : deadlineAt;
  }

  private BackMessage.Result awaitResult() throws IOException {
    // the devices are stopped: keep-alives show the destination alive but not that it gets on,
    // so its answer must come within the peer timeout (or the deadline, when that is sooner)
    long deadline = answerDeadline();
    while (true) {
      BackMessage m;
      try {
        m = back.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MigrationFailure("interrupted while waiting for the destination");
      }
      if (m == null) {
        throw new MigrationFailure(
            deadline == deadlineAt
                ? "the destination did not answer before the migration's deadline of "
                    + options.deadline().toMillis()
                    + " ms"
                : "the destination did not answer within "
                    + options.peerTimeout().toMillis()
                    + " ms of the end of the stream");
      }
      switch (m) {
        case BackMessage.Result r -> {
          return r;
        }
        case BackMessage.Abort a -> throw new MigrationFailure(abortText(a));
        default -> {}
      }
    }
  }

  private volatile String backFailure;

  /** The ABORT the back-channel reader made up when the connection broke (not the peer's). */
  private volatile BackMessage.Abort connectionLost;

  private String abortText(BackMessage.Abort a) {
    return a == connectionLost ? a.reason() : "the destination aborted: " + a.reason();
  }

  /**
   * Why the channel failed under the source: a destination that gives up sends its reason and
   * closes the connection, which the source often notices first as a failed write; the reason is
   * then on the back channel. Otherwise the error names the peer and what the connection said.
   */
  private String connectionError(IOException e) {
    long deadline = System.nanoTime() + Math.min(options.peerTimeout().toNanos(), 1_000_000_000L);
    try {
      for (BackMessage m;
          (m = back.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
              != null; ) {
        if (m instanceof BackMessage.Abort a) {
          return abortText(a);
        }
      }
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
    }
    return "the connection to the destination (" + channel.describe() + ") failed: " + describe(e);
  }

  private void readBackChannel(BackReader in) {
    try {
      while (true) {
        BackMessage m = in.next();
        if (m instanceof BackMessage.KeepAlive) {
          continue; // only proves the destination alive; the reader's timeout does the rest
        }
        back.put(m);
        if (m instanceof BackMessage.Abort) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      backFailure = describe(e);
      BackMessage.Abort lost =
          new BackMessage.Abort(
              "the connection to the destination ("
                  + channel.describe()
                  + ") failed: "
                  + backFailure);
      connectionLost = lost;
      back.offer(lost);
    }
  }

  /** Best effort: an ABORT record so the destination stops at once instead of timing out. */
  private void tellDestination(String error) {
    if (writer == null) {
      return;
    }
    try {
      writer.abort(error);
    } catch (IOException | RuntimeException e) {
      notes.add("could not tell the destination: " + describe(e));
    }
  }

  /** Source devices go back to RUNNING, or are reset when that fails. */
  private void recover() {
    // as QEMU restarts a VM: every stopped P2P device answers peer DMA again (RUNNING_P2P) before
    // any device runs; one that cannot is reset below
    for (MigratingDevice d : devices) {
      Migration m = d.device().migration();
      try {
        if (m != null && m.hasP2P() && (m.state() == STOP || m.state() == STOP_COPY)) {
          m.set(RUNNING_P2P);
        }
      } catch (VfioException e) {
        // the device goes to RUNNING or is reset below
      }
    }
    for (MigratingDevice d : devices) {
      Migration m = d.device().migration();
      if (m == null) {
        continue;
      }
      try {
        m.set(RUNNING);
        notes.add(d.bdf() + " back to RUNNING");
      } catch (VfioException e) {
        try {
          d.device().reset();
          notes.add(d.bdf() + " could not return to RUNNING (" + e.getMessage() + "): reset");
        } catch (VfioException r) {
          notes.add(d.bdf() + " could not be reset either: " + r.getMessage());
        }
      }
    }
    channel.close();
  }

  private void phase(String p) {
    phase = p;
    progress.phase(p);
    timeline.sample(bytesSent, dirtyNow, p, true);
  }

  /** Nanoseconds as milliseconds with up to three decimals ("12.5"). */
  static String millis(long nanos) {
    return java.math.BigDecimal.valueOf(nanos, 6)
        .setScale(3, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** The name of the errno of the first {@link VfioException} in {@code e}'s causes, or null. */
  static String errnoOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof VfioException v && v.errno() != null) {
        return v.errno().name();
      }
    }
    return null;
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    String what =
        switch (e) {
          case java.io.EOFException x -> "the peer closed the connection";
          case SocketTimeoutException x -> "the peer did not answer in time";
          case java.nio.channels.ClosedChannelException x -> "the connection was closed here";
          case IOException x -> "connection error";
          default -> null;
        };
    if (what == null) {
      return m == null ? e.toString() : m;
    }
    return m == null ? what : what + ": " + m;
  }

  private MigrationReport report(boolean completed, String error, long totalMs) {
    double downtimeMs = downtimeNanos / 1e6;
    // the timeline ends with the migration, not with the digests computed for the report
    timeline.sample(bytesSent, 0, completed ? "done" : "failed", true);
    String algorithm = MigratingDevice.digestAlgorithm(devices);
    if (algorithm != null) {
      progress.step("computing the " + algorithm + " digests of the devices' content");
    }
    List<MigrationReport.DeviceReport> per = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      MigratingDevice d = devices.get(i);
      MigrationState state;
      try {
        state = d.device().migration() == null ? null : d.device().migration().state();
      } catch (VfioException e) {
        state = null;
      }
      per.add(
          new MigrationReport.DeviceReport(
              d.bdf(),
              d.model(),
              d.digestOrNull(),
              precopyBytes[i],
              stopCopyBytes[i],
              iterations[i],
              state == null ? "unknown" : state.name()));
    }
    double seconds = totalMs / 1000.0;
    GuestRamReport ramReport = null;
    if (ram != null) {
      if (completed) {
        progress.step("computing the digest of the guest RAM");
      }
      ramReport =
          new GuestRamReport(
              ram.bytes(),
              ramBytesSent,
              ramZeroPages,
              ramCpuPages,
              tracking.devicePages(),
              ramPasses.passes(),
              ramBytesBeforeStopCopy < 0 ? 0 : ramBytesSent - ramBytesBeforeStopCopy,
              ramStopCopyEstimate,
              // the throttle only ever grows during a migration: its last value is its highest
              autoConverge == null ? 0 : autoConverge.throttle(),
              tracking.method().text(),
              tracking.reason(),
              // the RAM is frozen only once the migration completed (CPUs and devices stopped)
              completed ? ram.digest() : null,
              GuestRam.DIGEST_ALGORITHM);
    }
    return new MigrationReport(
        completed ? MigrationReport.COMPLETED : "failed",
        MigrationReport.Side.SENDER,
        per,
        downtimeMs,
        downtimeNanos > 0 ? timeline.msAt(quiesceStartNanos) : Double.NaN,
        options.downtimeLimit().toNanos() / 1e6,
        totalMs,
        seconds > 0 ? bytesSent / seconds : 0,
        timeline.samples(),
        error,
        completed ? null : errno,
        List.copyOf(notes),
        algorithm,
        ramReport);
  }
}
