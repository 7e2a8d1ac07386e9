package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.TcpChannel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The receiver greets connections on virtual threads, but the migration it accepts runs on a
 * platform thread: a virtual thread that waits for socket data is parked and woken through the
 * JDK's poller thread, two thread switches per wait where a platform thread needs one, and the
 * destination waits for data thousands of times a second (the bench measured 0.6 ns of CPU per byte
 * on that path with a virtual thread, 0.5 without).
 */
class ReceiverThreadTest {
  @Test
  void theDestinationDataPathRunsOnAPlatformThread() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, 2L << 20, 0));
    Set<String> threads = ConcurrentHashMap.newKeySet();
    ProgressListener where =
        new ProgressListener() {
          @Override
          public void phase(String phase) {
            Thread t = Thread.currentThread();
            threads.add(phase + (t.isVirtual() ? " virtual" : " platform"));
          }
        };
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log());
        Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log());
        TcpListener listener =
            TcpTransport.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      src.fill(5);
      MigrationReceiver rx =
          new MigrationReceiver(listener, dst.devices, Rig.options(), where, l -> {});
      CompletableFuture<MigrationReport> received = new CompletableFuture<>();
      Thread.ofPlatform()
          .start(() -> {
            try {
              received.complete(rx.run(Duration.ofSeconds(10)));
            } catch (Throwable t) {
              received.completeExceptionally(t);
            }
          });
      MigrationReport sent;
      try (TcpChannel ch = TcpTransport.connect(listener.localAddress(), Duration.ofSeconds(5))) {
        sent = new MigrationSource(src.devices, ch, Rig.options(), ProgressListener.NONE).run();
      }
      MigrationReport r = received.get(15, TimeUnit.SECONDS);

      assertThat(sent.completed()).as("source: %s", sent.error()).isTrue();
      assertThat(r.completed()).as("destination: %s", r.error()).isTrue();
      assertThat(threads).contains("resuming platform").noneMatch(s -> s.endsWith(" virtual"));
    }
  }
}
