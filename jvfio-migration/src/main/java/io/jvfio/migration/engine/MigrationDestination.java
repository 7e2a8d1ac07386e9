package io.jvfio.migration.engine;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.client.Migration;
import io.jvfio.client.VfioException;
import io.jvfio.migration.report.GuestRamReport;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.wire.BackWriter;
import io.jvfio.migration.wire.DeviceIdentity;
import io.jvfio.migration.wire.Marker;
import io.jvfio.migration.wire.Record;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.migration.wire.WireReader;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The destination side: check that the incoming devices match the local ones, put every device into
 * RESUMING, write each device's stream into its data fd, then STOP (where each device validates
 * what it received), RUNNING_P2P for all, and RUNNING. Any failure resets every local device, so
 * none runs with half a state, and tells the source.
 */
public final class MigrationDestination {
  private final List<MigratingDevice> devices;
  private final Channel channel;
  private final MigrationOptions options;
  private final ProgressListener progress;
  private final Timeline timeline = new Timeline();

  /** Per device: DATA bytes before its STOP_COPY_STATE marker (precopy) and after it. */
  private final long[] precopyReceived;

  private final long[] stopCopyReceived;

  /** Per device: precopy rounds seen (sections that carried DATA before the switchover). */
  private final int[] rounds;

  private final List<String> notes = new ArrayList<>();

  // ---- guest RAM (null or zero without it) ----
  private final GuestRam ram;

  /** Kept per chunk while pages arrive, so that the digest costs little once the stream ended. */
  private final PageDigest ramDigest;

  /**
   * The most pages the RAM digest may owe while pages arrive; beyond it the receiving thread hashes
   * before it reads on. What is owed when the stream ends is hashed inside the downtime (4 MiB: a
   * few ms), and a destination that hashes slower than the link carries slows the sender down in
   * precopy, where its rate is measured, not at the switchover.
   */
  static final long DIGEST_BACKLOG_PAGES = 1024;

  /** Whether a second thread hashes arrived pages beside the receiving one (tests turn it off). */
  private boolean hashInBackground = true;

  /** Pages the digest still had to hash after the stream ended, inside the downtime. */
  private long ramPagesHashedAfterStream;

  private long ramBytesReceived;
  private long ramStopCopyBytes;
  private long ramZeroPages;
  private final RamPasses ramPasses = new RamPasses();
  private String ramDigestValue;
  private long bytes;
  private String phase = "setup";
  private boolean touched;
  private long downtimeNanos;
  private long limitNanos;

  /** When every device ran (System.nanoTime), the end of the downtime at this end; 0: never. */
  private long runningNanos;

  /** The errno of the failed call behind the error, when there was one. */
  private String errno;

  public MigrationDestination(
      List<MigratingDevice> devices,
      Channel channel,
      MigrationOptions options,
      ProgressListener progress) {
    this(devices, null, channel, options, progress);
  }

  /**
   * The destination of a VM: its devices and the guest RAM the received pages are written into
   * (mapped for its devices with {@link GuestRam#attach}; null: devices only). Both ends must have
   * the same RAM size.
   */
  public MigrationDestination(
      List<MigratingDevice> devices,
      GuestRam ram,
      Channel channel,
      MigrationOptions options,
      ProgressListener progress) {
    this.ram = ram;
    this.ramDigest = ram == null ? null : new PageDigest(ram.memory());
    this.devices = List.copyOf(devices);
    this.channel = channel;
    this.options = options;
    this.progress = progress;
    this.precopyReceived = new long[devices.size()];
    this.stopCopyReceived = new long[devices.size()];
    this.rounds = new int[devices.size()];
  }

  /**
   * What a receiver learnt from one connection before touching any device: the session nonce it
   * sent, the checked header, and the reader and writer of that connection.
   */
  public record Greeting(
      Channel channel, BackWriter back, WireReader in, List<DeviceIdentity> devices) {}

  /** The largest DATA payload a record may claim; the reader holds at most a window of it. */
  static final long MAX_PAYLOAD = 64L << 20;

  /**
   * The receiver's half of the handshake on a new connection: sends HELLO with a fresh session
   * nonce, then reads and checks the sender's header (which must echo it) within the peer timeout.
   * Touches no device.
   */
  public static Greeting greet(Channel channel, MigrationOptions options) throws IOException {
    channel.setReadTimeout(options.peerTimeout());
    channel.setWriteTimeout(options.peerTimeout());
    byte[] nonce = new byte[WireFormat.NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    BackWriter back = new BackWriter(channel);
    back.hello(nonce);
    WireReader in = new WireReader(channel, MAX_PAYLOAD, nonce);
    in.setRecordTimeout(options.peerTimeout());
    return new Greeting(channel, back, in, in.header());
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Greets the sender on this channel, then runs the migration it brings. */
  public MigrationReport run() {
    timeline.restart();
    Greeting g;
    try {
      g = greet(channel, options);
    } catch (IOException | RuntimeException e) {
      String error = MigrationSource.describe(e);
      try {
        BackWriter back = new BackWriter(channel);
        channel.setDeadline(System.nanoTime() + ABORT_NANOS);
        back.abort(error);
      } catch (IOException | RuntimeException x) {
        notes.add("could not tell the source: " + MigrationSource.describe(x));
      }
      channel.close();
      return report(false, error, 0);
    }
    return run(g);
  }

  /** How long telling the source about a failure may take. */
  private static final long ABORT_NANOS = 1_000_000_000L;

  /** Runs the migration a sender announced in {@code g} (from {@link #greet}) on this channel. */
  public MigrationReport run(Greeting g) {
    long t0 = System.nanoTime();
    String error = null;
    boolean completed = false;
    BackWriter back = g.back();
    WireReader in = g.in();
    channel.setDeadline(t0 + options.deadline().toNanos());
    Thread keepAlive = Thread.ofVirtual().name("migration-keep-alive").start(() -> keepAlive(back));
    Thread hasher = null;
    try {
      match(g.devices());
      matchRam(in.guestRamBytes());
      if (ram != null && hashInBackground) {
        // hashes what arrived while the stream still runs, on the machine's other core
        hasher =
            Thread.ofPlatform().daemon().name("guest-ram-digest").start(this::hashWhileReceiving);
      }
      // the sender touches its devices only after this
      back.accept();
      phase("resuming");
      touched = true;
      for (MigratingDevice d : devices) {
        d.migration().set(RESUMING);
      }
      receive(in, back);
      if (hasher != null) {
        hashing = false;
        hasher.join();
        hasher = null;
      }
      if (ram != null) {
        // the RAM as loaded, before any device runs and writes it: at most the bounded backlog;
        // the pages of stop-copy were kept aside and are hashed once the devices run
        ramPagesHashedAfterStream = ramDigest.hashMarked();
      }
      phase("completing");
      for (MigratingDevice d : devices) {
        d.migration().set(STOP);
      }
      // loaded and validated; the devices run only when the source commits, so that both ends
      // never run them
      back.result(true, "loaded, waiting for the source to commit", Map.of());
      var decision = in.decision();
      if (decision.isPresent()) {
        throw new MigrationFailure(
            "the source aborted after sending everything: " + decision.get());
      }
      long commitRead = System.nanoTime();
      for (MigratingDevice d : devices) {
        if (d.migration().hasP2P()) {
          d.migration().set(RUNNING_P2P);
        }
      }
      for (MigratingDevice d : devices) {
        d.migration().set(RUNNING);
      }
      long running = System.nanoTime();
      runningNanos = running;
      completed = true;
      try {
        back.result(true, "every device is RUNNING", running - commitRead, Map.of());
        if (ram != null) {
          // after the downtime; from the copies of stop-copy's pages, whatever the devices write
          afterRunning.run();
          ramDigestValue = ramDigest.digestKept();
        }
        WireReader.Outcome outcome = in.outcome();
        downtimeNanos = outcome.downtimeNanos();
        limitNanos = outcome.limitNanos();
      } catch (IOException e) {
        // the source committed already; only the shared downtime figure is missing
        notes.add(
            "the source's measured downtime did not arrive ("
                + MigrationSource.describe(e)
                + "); the downtime shown counts only this end, from the commit until every device"
                + " ran");
        downtimeNanos = running - commitRead;
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      error = MigrationSource.describe(e);
      errno = MigrationSource.errnoOf(e);
      phase("recovering");
      keepAlive.interrupt();
      channel.setDeadline(
          System.nanoTime() + Math.min(options.peerTimeout().toNanos(), ABORT_NANOS));
      recover(back, error);
    } finally {
      keepAlive.interrupt();
      hashing = false;
      if (ramDigest != null && ramDigestValue == null) {
        // a failed migration needs no digest: the copies kept for it go
        ramDigest.release();
      }
    }
    long totalMs = (long) ((System.nanoTime() - t0) / 1e6);
    return report(completed, error, totalMs);
  }

  /**
   * Shows the source that this end is alive while it works; a keep-alive that cannot be written
   * closes the channel, so the engine's own wait ends at once.
   */
  private void keepAlive(BackWriter back) {
    long period = options.keepAlive().toNanos();
    try {
      while (!Thread.currentThread().isInterrupted()) {
        java.util.concurrent.locks.LockSupport.parkNanos(period);
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        back.keepAlive();
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
    }
  }

  private void match(List<DeviceIdentity> incoming) {
    if (incoming.size() != devices.size()) {
      List<String> sent = incoming.stream().map(id -> id.bdf() + " " + id.model()).toList();
      List<String> here = devices.stream().map(d -> d.bdf() + " " + d.model()).toList();
      throw new MigrationFailure(
          "the sender migrates "
              + count(sent)
              + " but the receiver expects "
              + count(here)
              + ": both ends must name the same devices in the same order");
    }
    for (int i = 0; i < devices.size(); i++) {
      DeviceIdentity id = incoming.get(i);
      MigratingDevice d = devices.get(i);
      Migration m = d.migration();
      if (!id.model().equals(d.model())
          || id.vendor() != d.vendor()
          || id.device() != d.deviceId()
          || id.migrationFlags() != m.flags()) {
        throw new MigrationFailure(
            String.format(
                "device %d does not match: the source sends %s %04x:%04x flags 0x%x from %s, this"
                    + " host has %s %04x:%04x flags 0x%x at %s",
                i,
                id.model(),
                id.vendor(),
                id.device(),
                id.migrationFlags(),
                id.bdf(),
                d.model(),
                d.vendor(),
                d.deviceId(),
                m.flags(),
                d.bdf()));
      }
    }
  }

  /** Both ends must move the same guest RAM (or none). */
  private void matchRam(long incoming) {
    long here = ram == null ? 0 : ram.bytes();
    if (incoming != here) {
      throw new MigrationFailure(
          "the sender migrates "
              + ramText(incoming)
              + " of guest RAM but this receiver has "
              + ramText(here)
              + ": both ends must give the same --guest-ram-mib");
    }
  }

  private static String ramText(long bytes) {
    return bytes == 0
        ? "none"
        : bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
  }

  /** For tests: runs once the devices run, before the RAM digest is finished. */
  MigrationDestination afterRunning(Runnable r) {
    afterRunning = r;
    return this;
  }

  private Runnable afterRunning = () -> {};

  /** For tests: only the receiving thread hashes, so the backlog bound alone limits the debt. */
  MigrationDestination hashInBackground(boolean on) {
    hashInBackground = on;
    return this;
  }

  /** Chunks of room for stop-copy's kept pages allocated as they arrived (inside the downtime). */
  int ramKeepAllocations() {
    return ramDigest.keepAllocations();
  }

  /** Pages of stop-copy copied aside for the RAM digest. */
  long ramKeptCopies() {
    return ramDigest.keptCopies();
  }

  /** Pages the RAM digest hashed after the stream ended (inside the downtime). */
  long ramPagesHashedAfterStream() {
    return ramPagesHashedAfterStream;
  }

  private volatile boolean hashing = true;

  private void hashWhileReceiving() {
    while (hashing) {
      // hashing first (it keeps the sender's precopy rate); spare time readies the room that
      // stop-copy's kept pages will need, so that they do not wait for fresh memory in the downtime
      if (!ramDigest.hashSome() && !ramDigest.reserve(ram.bytes())) {
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
      }
    }
  }

  /** "1 device (0000:05:00.0 memdev)", "3 devices (a, b, c)". */
  private static String count(List<String> devices) {
    return devices.size()
        + (devices.size() == 1 ? " device" : " devices")
        + (devices.isEmpty() ? "" : " (" + String.join(", ", devices) + ")");
  }

  /**
   * Loads every device's stream and files each DATA byte under the phase its device is in: precopy
   * until the device's STOP_COPY_STATE marker, stop-copy after it. A precopy section that carried
   * DATA is one round, as the source counts it.
   */
  private void receive(WireReader in, BackWriter back) throws IOException {
    boolean[] acked = new boolean[devices.size()];
    boolean[] stopped = new boolean[devices.size()];
    boolean[] inRound = new boolean[devices.size()];
    while (true) {
      Record r = in.next();
      switch (r) {
        case Record.Data data -> {
          int d = data.device();
          long n = data.payload().byteSize();
          devices.get(d).migration().writeFully(data.payload());
          if (stopped[d]) {
            stopCopyReceived[d] += n;
          } else {
            precopyReceived[d] += n;
            if (!inRound[d]) {
              inRound[d] = true;
              rounds[d]++;
            }
          }
          bytes += n;
          timeline.sample(bytes, 0, phase, false);
          progress.progress(bytes, -1, Double.NaN);
        }
        case Record.Section s when s.marker() == Marker.INIT_DATA_SENT -> {
          if (acked[s.device()]) {
            throw new MigrationFailure(
                "device "
                    + s.device()
                    + " announced INIT_DATA_SENT twice: a confused or hostile sender");
          }
          acked[s.device()] = true;
          inRound[s.device()] = false;
          back.switchoverAck(s.device());
        }
        case Record.Section s when s.marker() == Marker.STOP_COPY_STATE -> {
          if (stopped[s.device()]) {
            throw new MigrationFailure(
                "device "
                    + s.device()
                    + " announced STOP_COPY_STATE twice: a confused or hostile sender");
          }
          if (!any(stopped)) {
            phase("stop-copy");
          }
          stopped[s.device()] = true;
          inRound[s.device()] = false;
        }
        case Record.Section s -> inRound[s.device()] = false;
        case Record.RamPages p -> {
          long n = p.payload().byteSize();
          boolean inStopCopy = any(stopped);
          MemorySegment.copy(p.payload(), 0, ram.memory(), p.address(), n);
          countRamPass(p.address(), n / GuestRam.PAGE, stopped);
          // in stop-copy a copy aside is cheaper than a hash, which would slow the downtime
          if (!inStopCopy || !ramDigest.keep(p.address(), p.payload())) {
            ramDigest.written(p.address(), n);
            keepDigestUp();
          }
          ramBytesReceived += n;
          if (inStopCopy) {
            ramStopCopyBytes += n;
          }
          timeline.ramBytes(ramBytesReceived);
          bytes += n;
          timeline.sample(bytes, 0, phase, false);
          progress.progress(bytes, -1, Double.NaN);
        }
        case Record.RamZero z -> {
          long n = z.pages() * GuestRam.PAGE;
          ram.memory().asSlice(z.address(), n).fill((byte) 0);
          countRamPass(z.address(), z.pages(), stopped);
          if (!any(stopped) || !ramDigest.keepZero(z.address(), z.pages())) {
            ramDigest.written(z.address(), n);
            keepDigestUp();
          }
          ramZeroPages += z.pages();
        }
        case Record.Config c ->
            throw new MigrationFailure(
                "device " + c.device() + " sent config state, which this host does not load");
        case Record.Trailer t -> {
          return;
        }
        case Record.Abort a -> throw new MigrationFailure("the source aborted: " + a.reason());
      }
    }
  }

  /** Hashes arrived pages until the digest owes at most {@link #DIGEST_BACKLOG_PAGES}. */
  private void keepDigestUp() {
    while (ramDigest.backlogPages() > DIGEST_BACKLOG_PAGES && ramDigest.hashSome()) {
      // one 64-page word at a time
    }
  }

  private static boolean any(boolean[] flags) {
    for (boolean f : flags) {
      if (f) {
        return true;
      }
    }
    return false;
  }

  /**
   * RAM sent before the switchover walks the RAM in passes; the source sends the RAM of stop-copy
   * after every device's STOP_COPY_STATE, and counts the same.
   */
  private void countRamPass(long address, long pages, boolean[] stopped) {
    if (!any(stopped)) {
      ramPasses.record(address, pages);
    }
  }

  /** Every local device is reset (RUNNING with no partial state), and the source is told. */
  private void recover(BackWriter back, String error) {
    for (MigratingDevice d : touched ? devices : List.<MigratingDevice>of()) {
      try {
        d.device().reset();
        notes.add(d.bdf() + " reset");
      } catch (VfioException e) {
        notes.add(d.bdf() + " could not be reset: " + e.getMessage());
      }
    }
    try {
      back.abort(error);
      back.flush();
    } catch (IOException | RuntimeException e) {
      notes.add("could not tell the source: " + MigrationSource.describe(e));
    }
    channel.close();
  }

  private void phase(String p) {
    phase = p;
    progress.phase(p);
    timeline.sample(bytes, 0, p, true);
  }

  private MigrationReport report(boolean completed, String error, long totalMs) {
    // the timeline ends with the migration, not with the digests computed for the report
    timeline.sample(bytes, 0, completed ? "done" : "failed", true);
    if (completed && MigratingDevice.digestAlgorithm(devices) != null) {
      progress.step("computing the digests of the devices' content");
    }
    List<MigrationReport.DeviceReport> per = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      MigratingDevice d = devices.get(i);
      String state;
      try {
        state = d.migration().state().name();
      } catch (RuntimeException e) {
        state = "unknown";
      }
      per.add(
          new MigrationReport.DeviceReport(
              d.bdf(),
              d.model(),
              completed ? d.digestOrNull() : null,
              precopyReceived[i],
              stopCopyReceived[i],
              rounds[i],
              state));
    }
    double seconds = totalMs / 1000.0;
    GuestRamReport ramReport =
        ram == null
            ? null
            : new GuestRamReport(
                ram.bytes(),
                ramBytesReceived,
                ramZeroPages,
                0,
                0,
                ramPasses.passes(),
                ramStopCopyBytes,
                -1,
                0,
                null,
                null,
                completed ? ramDigestValue : null,
                GuestRam.DIGEST_ALGORITHM);
    return new MigrationReport(
        completed ? MigrationReport.COMPLETED : "failed",
        MigrationReport.Side.RECEIVER,
        per,
        downtimeNanos / 1e6,
        // the downtime ended here when every device ran; it began that long before
        runningNanos != 0 ? timeline.msAt(runningNanos - downtimeNanos) : Double.NaN,
        limitNanos / 1e6,
        totalMs,
        seconds > 0 ? bytes / seconds : 0,
        timeline.samples(),
        error,
        errno,
        List.copyOf(notes),
        completed ? MigratingDevice.digestAlgorithm(devices) : null,
        ramReport);
  }
}
