package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.TcpChannel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import io.jvfio.uapi.vfio.MigrationState;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Source and destination in two threads of one JVM, over loopback TCP (listening on port 0). */
class EngineTcpTest {
  private static final InetSocketAddress ANY_LOOPBACK_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  /** The two reports and the address the destination listened on. */
  record TcpOutcome(MigrationReport source, MigrationReport destination, String peer) {}

  /**
   * Migrates over TCP; {@code onSource} and {@code onDestination} receive the two connected
   * channels (to close one under the engine).
   */
  static TcpOutcome migrateOverTcp(
      Rig.End src,
      Rig.End dst,
      MigrationOptions options,
      ProgressListener progress,
      AtomicReference<Channel> sourceChannel,
      AtomicReference<Channel> destinationChannel)
      throws Exception {
    try (TcpListener listener = TcpTransport.listen(ANY_LOOPBACK_PORT)) {
      CompletableFuture<MigrationReport> receiving =
          CompletableFuture.supplyAsync(
              () -> {
                try (TcpChannel ch = listener.accept(Duration.ofSeconds(5))) {
                  destinationChannel.set(ch);
                  return new MigrationDestination(dst.devices, ch, options, ProgressListener.NONE)
                      .run();
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              r -> Thread.ofPlatform().name("tcp-destination").start(r));
      MigrationReport sent;
      try (TcpChannel ch = TcpTransport.connect(listener.localAddress(), Duration.ofSeconds(5))) {
        sourceChannel.set(ch);
        sent = new MigrationSource(src.devices, ch, options, progress).run();
      }
      MigrationReport received = receiving.get(30, TimeUnit.SECONDS);
      return new TcpOutcome(sent, received, TcpTransport.format(listener.localAddress()));
    }
  }

  static TcpOutcome migrateOverTcp(Rig.End src, Rig.End dst, MigrationOptions options)
      throws Exception {
    return migrateOverTcp(
        src, dst, options, ProgressListener.NONE, new AtomicReference<>(), new AtomicReference<>());
  }

  @Test
  void severalDevicesWithP2pAndLiveWorkloads() throws Exception {
    List<Rig.Spec> specs =
        List.of(
            Rig.Spec.memdev(0x7, 4L << 20, 2000),
            Rig.Spec.memdev(0x7, 4L << 20, 2000),
            Rig.Spec.mtty(0x7));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst =
            new Rig.End(
                "dst",
                specs.stream().map(s -> s.withRate(0)).toList(),
                new RecordingDevice.Log())) {
      src.fill(91);
      TcpOutcome o = migrateOverTcp(src, dst, Rig.options());

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.destination().completed()).as("dest: %s", o.destination().error()).isTrue();
      List<String> atStop = o.source().devices().stream().map(d -> d.digest()).toList();
      assertThat(atStop).doesNotContainNull();
      assertThat(o.destination().devices().stream().map(d -> d.digest()).toList())
          .isEqualTo(atStop);
      assertThat(dst.digests()).isEqualTo(atStop);
      EngineMigrationTest.MigrationStateCheck.assertArrived(
          src, dst, new Rig.Outcome(o.source(), o.destination()));
    }
  }

  /** One large device (64 MiB) with its workload running, with switchover-ack. */
  @Test
  void largeDeviceWithSwitchoverAck() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 64L << 20, 5000));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst =
            new Rig.End(
                "dst",
                specs.stream().map(s -> s.withRate(0)).toList(),
                new RecordingDevice.Log())) {
      src.fill(93);
      TcpOutcome o =
          migrateOverTcp(
              src,
              dst,
              Rig.options().withSwitchoverAck(true).withMaxPrecopy(Duration.ofSeconds(10)));

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(o.source().devices().get(0).precopyBytes()).isGreaterThanOrEqualTo(64L << 20);
      EngineMigrationTest.MigrationStateCheck.assertArrived(
          src, dst, new Rig.Outcome(o.source(), o.destination()));
    }
  }

  @Test
  void singleDeviceWithoutP2p() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x5, 4L << 20, 0));
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log())) {
      src.fill(95);
      List<String> content = src.digests();
      TcpOutcome o = migrateOverTcp(src, dst, Rig.options());

      assertThat(o.source().completed()).as("source: %s", o.source().error()).isTrue();
      assertThat(dst.digests()).isEqualTo(content);
    }
  }

  /**
   * A destination slower than the source's peer timeout after the whole stream arrived (here one
   * RESUMING to STOP arc takes 1.2 s, the timeout is 0.5 s). The source gives up, sends ABORT in
   * place of the COMMIT and runs its devices again with their content; the destination, which only
   * runs the devices on a COMMIT, gets the ABORT (or the end of the connection) instead and resets
   * them. Never do both ends run the device.
   */
  @Test
  void destinationSlowerThanThePeerTimeoutIsAbortedAfterTheTrailerAndResets() throws Exception {
    long mem = 2L << 20;
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, mem, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(99);
      List<String> before = src.digests();
      dst.faulty
          .get(0)
          .delayArc(
              MigrationState.RESUMING,
              MigrationState.STOP,
              Duration.ofMillis(1200),
              FaultyDevice.Repeat.ONCE);
      TcpOutcome o =
          migrateOverTcp(src, dst, Rig.options().withPeerTimeout(Duration.ofMillis(500)));

      Rig.assertSourceRecovered(src, before, o.source());
      assertThat(o.source().error()).contains("did not answer within 500 ms");
      // the ABORT, or the connection's end when the source's close overtook it (a close with
      // unread bytes resets a TCP connection, and the peer's unread data goes with it)
      assertThat(o.destination().error()).isNotBlank();
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
    }
  }

  @Test
  void sourceSocketClosedDuringPrecopy() throws Exception {
    closedDuringPrecopy(true);
  }

  @Test
  void destinationSocketClosedDuringPrecopy() throws Exception {
    closedDuringPrecopy(false);
  }

  private static void closedDuringPrecopy(boolean sourceSide) throws Exception {
    long mem = 4L << 20;
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, mem, 0), Rig.Spec.memdev(0x7, mem, 0));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log)) {
      src.fill(97);
      List<String> before = src.digests();
      AtomicReference<Channel> sourceChannel = new AtomicReference<>();
      AtomicReference<Channel> destinationChannel = new AtomicReference<>();
      AtomicBoolean closed = new AtomicBoolean();
      ProgressListener closer =
          new ProgressListener() {
            @Override
            public void progress(long bytes, long remaining, double bytesPerSecond) {
              if (bytes >= mem && closed.compareAndSet(false, true)) {
                (sourceSide ? sourceChannel : destinationChannel).get().close();
              }
            }
          };
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofSeconds(5));
      TcpOutcome o = migrateOverTcp(src, dst, options, closer, sourceChannel, destinationChannel);

      assertThat(closed).isTrue();
      Rig.assertSourceRecovered(src, before, o.source());
      Rig.assertDestinationClean(dst, o.destination(), log, specs);
      assertThat(o.source().error()).contains("destination").contains("tcp 127.0.0.1:");
      if (!sourceSide) {
        assertThat(o.source().error()).contains(o.peer());
      }
      assertThat(o.source().totalMs()).as("noticed at once, not by a timeout").isLessThan(2500);
    }
  }
}
