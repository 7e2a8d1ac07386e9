package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.TcpChannel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import io.jvfio.migration.wire.BackMessage;
import io.jvfio.migration.wire.BackReader;
import io.jvfio.migration.wire.BackWriter;
import io.jvfio.migration.wire.DeviceIdentity;
import io.jvfio.migration.wire.Marker;
import io.jvfio.migration.wire.Record;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.migration.wire.WireReader;
import io.jvfio.migration.wire.WireWriter;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Peers that stall, trickle, flood, idle, crowd in or replay, over loopback TCP: one end is the
 * real engine, the other a scripted peer that speaks the wire format. Every case must end within
 * the peer timeout plus a bounded slack, with the source's devices RUNNING and their content
 * unchanged and the destination's devices RUNNING after a reset (never running partial state). Each
 * case runs under a hard limit, so a missing deadline shows as a failure instead of a hang.
 */
class EngineStallTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  /** What a stalled case may take beyond the peer timeout (abort, recovery, a loaded machine). */
  private static final long SLACK_MS = 2_000;

  /** The hard limit of a case: far beyond the bound, far below "hangs". */
  private static final Duration HARD_LIMIT = Duration.ofSeconds(20);

  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private static final long MEM = 2L << 20;

  private static MigrationOptions options() {
    return Rig.options().withPeerTimeout(TIMEOUT);
  }

  private static List<Rig.Spec> oneMemdev(long bytes) {
    return List.of(Rig.Spec.memdev(0x7, bytes, 0));
  }

  // ---- a stalled destination, the real source -------------------------------------------------

  /**
   * The destination greets, then stops reading while it keeps sending keep-alives (alive, but not
   * taking data): the source's writes block on full socket buffers, and only the write timeout can
   * end the migration. The source's devices go back to RUNNING with their content.
   */
  @Test
  void destinationThatStopsReading() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          try (Rig.End src = new Rig.End("src", oneMemdev(64L << 20), new RecordingDevice.Log());
              ScriptedDestination peer = new ScriptedDestination()) {
            src.fill(201);
            List<String> before = src.digests();
            peer.onConnection((ch, back, nonce) -> {
              back.accept();
              while (true) {
                back.keepAlive();
                Thread.sleep(100);
              }
            });
            long t0 = System.nanoTime();
            MigrationReport r = peer.migrateTo(src, options());
            long ms = elapsedMs(t0);

            Rig.assertSourceRecovered(src, before, r);
            assertThat(r.error()).contains("stopped taking data").contains("1000 ms");
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
          }
        });
  }

  /**
   * The destination takes the whole stream, then never answers (only keep-alives): with the devices
   * stopped, the source waits for the answer no longer than the peer timeout.
   */
  @Test
  void destinationThatNeverAnswersAfterTheStream() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          try (Rig.End src = new Rig.End("src", oneMemdev(MEM), new RecordingDevice.Log());
              ScriptedDestination peer = new ScriptedDestination()) {
            src.fill(203);
            List<String> before = src.digests();
            long[] trailerAt = {0};
            peer.onConnection((ch, back, nonce) -> {
              WireReader in = new WireReader(ch, 64L << 20, nonce);
              in.header();
              back.accept();
              while (!(in.next() instanceof Record.Trailer)) {
                // take everything
              }
              trailerAt[0] = System.nanoTime();
              while (true) {
                back.keepAlive();
                Thread.sleep(100);
              }
            });
            MigrationReport r = peer.migrateTo(src, options());
            long ms = elapsedMs(trailerAt[0]);

            Rig.assertSourceRecovered(src, before, r);
            assertThat(r.error()).contains("did not answer within 1000 ms");
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
          }
        });
  }

  /** The destination greets and then sends nothing at all: no keep-alive, no answer. */
  @Test
  void destinationThatFallsSilent() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          try (Rig.End src = new Rig.End("src", oneMemdev(MEM), new RecordingDevice.Log());
              ScriptedDestination peer = new ScriptedDestination()) {
            src.fill(205);
            List<String> before = src.digests();
            peer.onConnection((ch, back, nonce) -> {
              back.accept();
              ch.setReadTimeout(Duration.ofSeconds(30));
              MemorySegment sink = MemorySegment.ofArray(new byte[1 << 16]);
              while (true) {
                ch.readFully(sink.asSlice(0, 1));
              }
            });
            long t0 = System.nanoTime();
            MigrationReport r = peer.migrateTo(src, options());

            Rig.assertSourceRecovered(src, before, r);
            assertThat(elapsedMs(t0)).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
          }
        });
  }

  /**
   * The destination greets, takes the header and never answers it: the source waits for the ACCEPT
   * no longer than the peer timeout and touches no device meanwhile.
   */
  @Test
  void destinationThatNeverAcceptsTheHeader() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End src = new Rig.End("src", oneMemdev(MEM), log);
              ScriptedDestination peer = new ScriptedDestination()) {
            src.fill(215);
            List<String> before = src.digests();
            peer.onConnection((ch, back, nonce) -> {
              new WireReader(ch, 64L << 20, nonce).header();
              while (true) {
                back.keepAlive();
                Thread.sleep(100);
              }
            });
            long t0 = System.nanoTime();
            MigrationReport r = peer.migrateTo(src, options());

            Rig.assertSourceRecovered(src, before, r);
            assertThat(r.error())
                .isEqualTo(
                    "the receiver did not accept the session header within 1000 ms; no device was"
                        + " touched");
            assertThat(log.of("src")).as("source arcs").noneMatch(RecordingDevice.Event::isArc);
            assertThat(r.recovery()).isEmpty();
            assertThat(elapsedMs(t0)).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
          }
        });
  }

  // ---- a stalled source, the real receiver ----------------------------------------------------

  /**
   * A sender that connects, reads the greeting and sends nothing: dropped after the peer timeout,
   * told why, and the receiver's devices never touched.
   */
  @Test
  void sourceThatSendsNothing() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            long t0 = System.nanoTime();
            BackMessage m = s.nextBack(Duration.ofSeconds(10));
            long ms = elapsedMs(t0);

            assertThat(m).isInstanceOf(BackMessage.Abort.class);
            assertThat(((BackMessage.Abort) m).reason()).contains("1000 ms");
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
            assertThat(rx.report()).as("no migration started").isNull();
            assertThat(rx.log()).anySatisfy(l -> assertThat(l).startsWith("dropped a connection"));
            assertThat(log.of("dst")).as("device arcs").noneMatch(RecordingDevice.Event::isArc);
            assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
          }
        });
  }

  /**
   * A sender that sends its header (so the devices are RESUMING) and then nothing: the receiver
   * gives up after the peer timeout and resets its devices.
   */
  @Test
  void sourceThatStopsAfterTheHeader() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            s.header(dst);
            s.out.setup(0);
            s.out.flush();
            long t0 = System.nanoTime();
            MigrationReport r = rx.awaitReport();
            long ms = elapsedMs(t0);

            assertDestinationReset(dst, r, log);
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
            assertThat(s.nextBack(Duration.ofSeconds(5))).isInstanceOf(BackMessage.Abort.class);
          }
        });
  }

  /**
   * A sender that trickles one byte every 100 ms: every single read returns within the timeout, so
   * only the bound on a whole record can end it. Trickled inside the header (devices untouched) and
   * inside a payload (devices RESUMING).
   */
  @Test
  void sourceThatTricklesItsHeader() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(4));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            byte[] nonce = s.hello();
            byte[] header = headerBytes(nonce, identities(dst));
            long t0 = System.nanoTime();
            Thread trickler = s.trickle(header, 0, Duration.ofMillis(100));
            BackMessage m = s.nextBack(Duration.ofSeconds(10));
            long ms = elapsedMs(t0);
            trickler.interrupt();

            assertThat(m).isInstanceOf(BackMessage.Abort.class);
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
            assertThat(log.of("dst")).as("device arcs").noneMatch(RecordingDevice.Event::isArc);
            assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
          }
        });
  }

  @Test
  void sourceThatTricklesAPayload() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            s.header(dst);
            s.out.setup(0);
            s.out.flush();
            // a DATA record announcing 4 KiB, whose bytes then come one at a time
            byte[] record = dataRecordHead(0, 4096);
            byte[] slow = new byte[record.length + 4096];
            System.arraycopy(record, 0, slow, 0, record.length);
            long t0 = System.nanoTime();
            Thread trickler = s.trickle(slow, 0, Duration.ofMillis(100));
            MigrationReport r = rx.awaitReport();
            long ms = elapsedMs(t0);
            trickler.interrupt();

            assertDestinationReset(dst, r, log);
            assertThat(r.error()).contains("1000 ms");
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
          }
        });
  }

  /**
   * A sender that floods INIT_DATA_SENT and never reads the back channel: the receiver acknowledges
   * the first, refuses the repetition and resets its devices, without blocking on the back channel.
   */
  @Test
  void sourceThatFloodsWithoutReadingTheBackChannel() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            s.header(dst);
            s.out.setup(0);
            AtomicBoolean stopped = new AtomicBoolean();
            Thread flood =
                Thread.ofVirtual()
                    .start(() -> {
                      try {
                        while (true) {
                          s.out.initDataSent(0);
                        }
                      } catch (IOException | RuntimeException e) {
                        stopped.set(true);
                      }
                    });
            long t0 = System.nanoTime();
            MigrationReport r = rx.awaitReport();
            long ms = elapsedMs(t0);

            assertDestinationReset(dst, r, log);
            assertThat(r.error()).contains("INIT_DATA_SENT");
            assertThat(ms).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
            flood.join(TimeUnit.SECONDS.toMillis(5));
            assertThat(stopped).as("the flood ended: the receiver closed the connection").isTrue();
          }
        });
  }

  /**
   * A sender that marks a device's stop-copy twice (its phase would be ambiguous): the receiver
   * refuses it, resets its devices and tells the sender why.
   */
  @Test
  void sourceThatMarksStopCopyTwiceIsRefused() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            s.header(dst);
            s.out.setup(0);
            s.out.endOfState(0);
            s.out.stopCopy(0);
            s.out.stopCopy(0);
            s.out.flush();
            MigrationReport r = rx.awaitReport();

            assertDestinationReset(dst, r, log);
            assertThat(r.error())
                .isEqualTo(
                    "device 0 announced STOP_COPY_STATE twice: a confused or hostile sender");
            assertThat(s.nextBack(Duration.ofSeconds(5)))
                .isEqualTo(new BackMessage.Abort(r.error()));
          }
        });
  }

  /**
   * A recorded session replayed byte for byte to a fresh receiver: its header echoes the old nonce,
   * so it is refused before any device is touched.
   */
  @Test
  void replayedStreamIsRefused() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          List<Rig.Spec> specs = oneMemdev(MEM);
          ByteArrayOutputStream recorded = new ByteArrayOutputStream();
          try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
              Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
            src.fill(207);
            FaultChannel.Hook record =
                (offset, bytes) -> recorded.writeBytes(bytes.toArray(ValueLayout.JAVA_BYTE));
            Rig.Outcome o =
                Rig.migrate(
                    src,
                    dst,
                    Rig.options(),
                    ProgressListener.NONE,
                    c -> new FaultChannel(c).hook(record),
                    c -> c);
            assertThat(o.source().completed()).as("the recorded migration").isTrue();
          }
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End fresh = new Rig.End("dst", specs, log);
              Receiver rx = new Receiver(fresh, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            s.ch.write(MemorySegment.ofArray(recorded.toByteArray()));
            s.ch.flush();
            BackMessage m = s.nextBack(Duration.ofSeconds(10));

            assertThat(m).isInstanceOf(BackMessage.Abort.class);
            assertThat(((BackMessage.Abort) m).reason()).contains("nonce");
            assertThat(log.of("dst")).as("device arcs").noneMatch(RecordingDevice.Event::isArc);
            assertThat(fresh.states()).containsOnly(MigrationState.RUNNING);
            assertThat(fresh.digests()).containsOnly(Rig.zeroDigest(MEM));
          }
        });
  }

  /**
   * A record claiming far more payload than any device sends is refused at once, before anything is
   * allocated for it, and the devices are reset.
   */
  @Test
  void hugeClaimedLengthIsRefusedAtOnce() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
              ScriptedSource s = new ScriptedSource(rx.address())) {
            s.hello();
            s.header(dst);
            s.out.setup(0);
            s.out.flush();
            s.ch.write(MemorySegment.ofArray(dataRecordHead(0, 1L << 62)));
            s.ch.flush();
            long t0 = System.nanoTime();
            MigrationReport r = rx.awaitReport();

            assertDestinationReset(dst, r, log);
            assertThat(r.error()).contains(Long.toString(1L << 62));
            assertThat(elapsedMs(t0)).isLessThan(SLACK_MS);
          }
        });
  }

  /**
   * Many connections each claiming the largest allowed payload and then stalling: one migrates (and
   * times out), every other is refused at once as busy; none makes the receiver hold more than a
   * window per migrating connection.
   */
  @Test
  void manyConnectionsClaimingLargePayloadsAreBounded() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          RecordingDevice.Log log = new RecordingDevice.Log();
          try (Rig.End dst = new Rig.End("dst", oneMemdev(MEM), log);
              Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3))) {
            List<ScriptedSource> peers = new ArrayList<>();
            try {
              ScriptedSource first = new ScriptedSource(rx.address());
              peers.add(first);
              first.hello();
              first.header(dst);
              first.ch.write(MemorySegment.ofArray(dataRecordHead(0, 64L << 20)));
              first.ch.flush();
              // the first one migrates once its header checked out: the devices are RESUMING
              long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
              while (dst.state(0) != MigrationState.RESUMING && System.nanoTime() < until) {
                Thread.sleep(5);
              }
              assertThat(dst.state(0)).isEqualTo(MigrationState.RESUMING);
              long t0 = System.nanoTime();
              List<BackMessage> answers = new ArrayList<>();
              for (int i = 0; i < 16; i++) {
                ScriptedSource p = new ScriptedSource(rx.address());
                peers.add(p);
                answers.add(p.nextBack(Duration.ofSeconds(5)));
              }
              assertThat(answers)
                  .allSatisfy(m ->
                      assertThat(m)
                          .isInstanceOfSatisfying(
                              BackMessage.Abort.class,
                              a -> assertThat(a.reason()).contains("busy")));
              assertThat(elapsedMs(t0)).as("16 refusals").isLessThan(TIMEOUT.toMillis());
              MigrationReport r = rx.awaitReport();
              assertDestinationReset(dst, r, log);
            } finally {
              peers.forEach(ScriptedSource::close);
            }
          }
        });
  }

  // ---- the decision after the trailer ---------------------------------------------------------

  /**
   * A sender that delivers a whole, valid stream and then sends ABORT in place of the COMMIT, and
   * keeps the connection open: the receiver loaded everything, yet must not run it; it resets its
   * devices. With a COMMIT instead, the same stream runs (the stream itself is good).
   */
  @Test
  void abortInPlaceOfTheCommitResetsTheReceiver() {
    assertTimeoutPreemptively(HARD_LIMIT, () -> decideAfterTheTrailer(false));
  }

  @Test
  void commitAfterTheSameStreamRunsTheDevices() {
    assertTimeoutPreemptively(HARD_LIMIT, () -> decideAfterTheTrailer(true));
  }

  private static void decideAfterTheTrailer(boolean commit) throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x1, MEM, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, log);
        Receiver rx = new Receiver(dst, options(), Duration.ofSeconds(3));
        ScriptedSource s = new ScriptedSource(rx.address())) {
      src.fill(213);
      List<String> content = src.digests();
      s.hello();
      s.header(dst);
      s.out.setup(0);
      s.out.endOfState(0);
      var m = src.devices.get(0).migration();
      m.set(MigrationState.STOP_COPY);
      MemorySegment chunk = java.lang.foreign.Arena.ofAuto().allocate(1 << 20);
      for (long n; (n = m.read(chunk)) > 0; ) {
        s.out.data(0, chunk.asSlice(0, n));
      }
      s.out.endOfState(0);
      s.out.trailer();
      BackMessage loaded = s.nextBack(Duration.ofSeconds(5));
      assertThat(loaded)
          .isInstanceOfSatisfying(BackMessage.Result.class, r -> assertThat(r.ok()).isTrue());
      if (commit) {
        s.out.commit();
      } else {
        s.out.abort("the source changed its mind");
      }
      MigrationReport r = rx.awaitReport();

      if (commit) {
        assertThat(r.completed()).as("destination: %s", r.error()).isTrue();
        assertThat(dst.digests()).isEqualTo(content);
      } else {
        assertThat(r.error()).contains("the source changed its mind");
        assertDestinationReset(dst, r, log);
      }
    }
  }

  // ---- the receiver keeps serving ---------------------------------------------------------------

  /**
   * An idle connection that came first does not hold up the real migration behind it: each
   * connection is greeted on its own, and the real one completes long before the idle one times
   * out.
   */
  @Test
  void idleFirstConnectionDoesNotBlockTheNext() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          List<Rig.Spec> specs = oneMemdev(MEM);
          MigrationOptions slowToDrop = Rig.options().withPeerTimeout(Duration.ofSeconds(5));
          try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
              Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log());
              Receiver rx = new Receiver(dst, slowToDrop, Duration.ofSeconds(10));
              TcpChannel idle = TcpTransport.connect(rx.address(), Duration.ofSeconds(5))) {
            src.fill(209);
            long t0 = System.nanoTime();
            MigrationReport sent;
            try (TcpChannel ch = TcpTransport.connect(rx.address(), Duration.ofSeconds(5))) {
              sent = new MigrationSource(src.devices, ch, slowToDrop, ProgressListener.NONE).run();
            }
            MigrationReport received = rx.awaitReport();
            long ms = elapsedMs(t0);

            assertThat(sent.completed()).as("source: %s", sent.error()).isTrue();
            assertThat(received.completed()).as("destination: %s", received.error()).isTrue();
            assertThat(ms).as("did not wait for the idle connection").isLessThan(5_000);
            EngineMigrationTest.MigrationStateCheck.assertArrived(
                src, dst, new Rig.Outcome(sent, received));
          }
        });
  }

  /**
   * A second sender while a migration runs is refused at once with a sentence; the running
   * migration completes.
   */
  @Test
  void secondConnectionIsRefusedAtOnceWhileAMigrationRuns() {
    assertTimeoutPreemptively(
        HARD_LIMIT,
        () -> {
          List<Rig.Spec> specs = oneMemdev(MEM);
          // a precopy that cannot converge for 1.5 s keeps the migration running
          MigrationOptions slow =
              options()
                  .withDowntimeLimit(Duration.ofNanos(1))
                  .withMaxPrecopy(Duration.ofMillis(1500))
                  .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
          try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
              Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log());
              Receiver rx = new Receiver(dst, slow, Duration.ofSeconds(10))) {
            src.fill(211);
            List<BackMessage> second = Collections.synchronizedList(new ArrayList<>());
            List<Long> refusalMs = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean tried = new AtomicBoolean();
            ProgressListener intruder =
                new ProgressListener() {
                  @Override
                  public void progress(long bytes, long remaining, double bytesPerSecond) {
                    if (bytes >= MEM && tried.compareAndSet(false, true)) {
                      Thread.ofVirtual()
                          .start(() -> {
                            long t0 = System.nanoTime();
                            try (ScriptedSource p = new ScriptedSource(rx.address())) {
                              second.add(p.nextBack(Duration.ofSeconds(5)));
                              refusalMs.add(elapsedMs(t0));
                            } catch (IOException e) {
                              second.add(new BackMessage.Abort("failed: " + e));
                            }
                          });
                    }
                  }
                };
            MigrationReport sent;
            try (TcpChannel ch = TcpTransport.connect(rx.address(), Duration.ofSeconds(5))) {
              sent = new MigrationSource(src.devices, ch, slow, intruder).run();
            }
            MigrationReport received = rx.awaitReport();

            assertThat(sent.completed()).as("source: %s", sent.error()).isTrue();
            EngineMigrationTest.MigrationStateCheck.assertArrived(
                src, dst, new Rig.Outcome(sent, received));
            assertThat(second).hasSize(1);
            assertThat(second.get(0))
                .isInstanceOfSatisfying(
                    BackMessage.Abort.class,
                    a -> assertThat(a.reason()).contains("busy with a migration"));
            assertThat(refusalMs.get(0)).isLessThan(TIMEOUT.toMillis());
            assertThat(rx.log()).anySatisfy(l -> assertThat(l).startsWith("refused a second"));
          }
        });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static long elapsedMs(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** A failed migration at the receiver: devices RUNNING, memory zero, never run partially. */
  private static void assertDestinationReset(
      Rig.End dst, MigrationReport r, RecordingDevice.Log log) throws Exception {
    assertThat(r).as("a migration started").isNotNull();
    assertThat(r.completed()).as("destination result").isFalse();
    assertThat(dst.states()).containsOnly(MigrationState.RUNNING);
    assertThat(dst.digests()).containsOnly(Rig.zeroDigest(MEM));
    Rig.assertNeverRanPartially(log.of("dst"), dst.devices.size());
  }

  static List<DeviceIdentity> identities(Rig.End e) {
    List<DeviceIdentity> ids = new ArrayList<>();
    for (int i = 0; i < e.devices.size(); i++) {
      MigratingDevice d = e.devices.get(i);
      ids.add(
          new DeviceIdentity(
              i, d.bdf(), d.model(), d.vendor(), d.deviceId(), d.migration().flags()));
    }
    return ids;
  }

  /** The header bytes a WireWriter writes for {@code ids}. */
  static byte[] headerBytes(byte[] nonce, List<DeviceIdentity> ids) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    FaultChannel.Hook copy = (o, b) -> bytes.writeBytes(b.toArray(ValueLayout.JAVA_BYTE));
    try (var pair = io.jvfio.migration.transport.InMemoryChannels.pair(1 << 20)) {
      new WireWriter(new FaultChannel(pair.a()).hook(copy)).header(nonce, ids);
    }
    return bytes.toByteArray();
  }

  /** The head of a DATA_STATE record (kind, device, marker, claimed length), no payload. */
  static byte[] dataRecordHead(int device, long claimed) {
    return ByteBuffer.allocate(1 + 2 + 8 + 8)
        .put((byte) WireFormat.KIND_SECTION)
        .putShort((short) device)
        .putLong(Marker.DATA_STATE.value())
        .putLong(claimed)
        .array();
  }

  /** The real receiver on a loopback port, running in a thread of its own. */
  static final class Receiver implements AutoCloseable {
    private final TcpListener listener;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<MigrationReport> report;

    Receiver(Rig.End dst, MigrationOptions options, Duration wait) throws IOException {
      listener = TcpTransport.listen(LOOPBACK);
      MigrationReceiver rx =
          new MigrationReceiver(listener, dst.devices, options, ProgressListener.NONE, log::add);
      report = new CompletableFuture<>();
      Thread.ofPlatform()
          .name("test-receiver")
          .start(() -> {
            try {
              report.complete(rx.run(wait));
            } catch (Throwable t) {
              report.completeExceptionally(t);
            }
          });
    }

    InetSocketAddress address() {
      return listener.localAddress();
    }

    /** The receiver's report (null: no migration started within its wait). */
    MigrationReport report() throws Exception {
      return report.get(15, TimeUnit.SECONDS);
    }

    MigrationReport awaitReport() throws Exception {
      return report();
    }

    List<String> log() {
      return List.copyOf(log);
    }

    @Override
    public void close() {
      listener.close();
    }
  }

  /** A sender that does what the test says, over its own TCP connection. */
  static final class ScriptedSource implements AutoCloseable {
    final TcpChannel ch;
    final BackReader back;
    WireWriter out;
    byte[] nonce;

    ScriptedSource(InetSocketAddress to) throws IOException {
      ch = TcpTransport.connect(to, Duration.ofSeconds(5));
      ch.setWriteTimeout(Duration.ofSeconds(10));
      back = new BackReader(ch);
    }

    byte[] hello() throws IOException {
      BackMessage m = nextBack(Duration.ofSeconds(5));
      assertThat(m).isInstanceOf(BackMessage.Hello.class);
      nonce = ((BackMessage.Hello) m).nonce();
      return nonce;
    }

    /** Sends the header of {@code dst}'s own devices and takes the receiver's ACCEPT. */
    void header(Rig.End dst) throws IOException {
      out = new WireWriter(ch);
      out.header(nonce, identities(dst));
      out.flush();
      assertThat(nextBack(Duration.ofSeconds(5))).isEqualTo(new BackMessage.Accept());
    }

    BackMessage nextBack(Duration within) throws IOException {
      ch.setReadTimeout(within);
      back.setMessageTimeout(within);
      BackMessage m;
      do {
        m = back.next();
      } while (m instanceof BackMessage.KeepAlive);
      return m;
    }

    /** Writes {@code bytes[from..]} one byte per {@code period} on a thread of its own. */
    Thread trickle(byte[] bytes, int from, Duration period) {
      return Thread.ofVirtual()
          .start(() -> {
            try {
              for (int i = from; i < bytes.length; i++) {
                ch.write(MemorySegment.ofArray(new byte[] {bytes[i]}));
                ch.flush();
                Thread.sleep(period);
              }
            } catch (IOException | InterruptedException | RuntimeException e) {
              // the receiver closed the connection, or the test is over
            }
          });
    }

    @Override
    public void close() {
      ch.close();
    }
  }

  /** A destination that greets and then does what the test says. */
  static final class ScriptedDestination implements AutoCloseable {
    interface Script {
      void run(Channel ch, BackWriter back, byte[] nonce) throws Exception;
    }

    private final TcpListener listener;
    private volatile Script script;
    private volatile Thread thread;

    ScriptedDestination() throws IOException {
      listener = TcpTransport.listen(LOOPBACK);
    }

    void onConnection(Script s) {
      script = s;
    }

    /** Runs the real source against this peer and returns its report. */
    MigrationReport migrateTo(Rig.End src, MigrationOptions options) throws IOException {
      thread =
          Thread.ofPlatform()
              .name("scripted-destination")
              .start(() -> {
                try (TcpChannel ch = listener.accept(Duration.ofSeconds(5))) {
                  ch.setWriteTimeout(Duration.ofSeconds(10));
                  byte[] nonce = new byte[WireFormat.NONCE_BYTES];
                  new java.util.Random(7).nextBytes(nonce);
                  BackWriter back = new BackWriter(ch);
                  back.hello(nonce);
                  script.run(ch, back, nonce);
                } catch (Exception e) {
                  // the source closed the connection, or the test is over
                }
              });
      try (TcpChannel ch = TcpTransport.connect(listener.localAddress(), Duration.ofSeconds(5))) {
        return new MigrationSource(src.devices, ch, options, ProgressListener.NONE).run();
      }
    }

    @Override
    public void close() {
      listener.close();
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
