package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.report.Summary;
import io.jvfio.migration.transport.TcpChannel;
import io.jvfio.migration.transport.TcpTransport;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Source and destination in two JVM processes over loopback TCP: the destination is {@link
 * DestinationMain} in a JVM this test starts; both ends' reports are compared as JSON.
 */
class EngineTwoProcessTest {
  private static final Pattern DIGEST = Pattern.compile("\"digest\":(?:\"([0-9a-f]*)\"|null)");
  private static final Pattern RESULT = Pattern.compile("^\\{\"result\":\"([^\"]*)\"");

  @TempDir Path tmp;
  private Process child;

  @AfterEach
  void killChild() {
    if (child != null && child.isAlive()) {
      child.destroyForcibly();
    }
  }

  /** The destination JVM: its process, its standard output lines, its port. */
  private record Destination(Process process, BlockingQueue<String> lines, int port, Path err) {
    String next(String prefix, long seconds) throws Exception {
      String line = lines.poll(seconds, TimeUnit.SECONDS);
      assertThat(line)
          .as("a '%s' line from the destination (stderr: %s)", prefix, Files.readString(err))
          .isNotNull()
          .startsWith(prefix + " ");
      return line.substring(prefix.length() + 1);
    }
  }

  private Destination startDestination(List<Rig.Spec> specs, long timeoutMs) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path err = tmp.resolve("destination.err");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            DestinationMain.class.getName(),
            Rig.text(specs),
            Long.toString(timeoutMs));
    pb.redirectError(err.toFile());
    child = pb.start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Process p = child;
    Thread.ofPlatform()
        .daemon()
        .name("destination-stdout")
        .start(() -> {
          try (BufferedReader r =
              new BufferedReader(
                  new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
              lines.add(l);
            }
          } catch (IOException e) {
            // the process went away
          }
        });
    Destination d = new Destination(child, lines, 0, err);
    int port = Integer.parseInt(d.next("LISTENING", 20));
    return new Destination(child, lines, port, err);
  }

  private static List<String> digests(String json) {
    List<String> l = new ArrayList<>();
    Matcher m = DIGEST.matcher(json);
    while (m.find()) {
      l.add(m.group(1));
    }
    return l;
  }

  private static String result(String json) {
    Matcher m = RESULT.matcher(json);
    assertThat(m.find()).as("result in %s", json).isTrue();
    return m.group(1);
  }

  private static TcpChannel connect(int port) throws IOException {
    return TcpTransport.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), Duration.ofSeconds(5));
  }

  @Test
  void migrationBetweenTwoJvmsArrivesWithTheSameContent() throws Exception {
    List<Rig.Spec> specs =
        List.of(
            Rig.Spec.memdev(0x7, 4L << 20, 0),
            Rig.Spec.memdev(0x7, 2L << 20, 0),
            Rig.Spec.mtty(0x7));
    Destination dst = startDestination(specs, 10_000);
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log())) {
      src.fill(101);
      src.dirtyRate(2000);
      MigrationReport report;
      try (TcpChannel ch = connect(dst.port())) {
        report = new MigrationSource(src.devices, ch, Rig.options(), ProgressListener.NONE).run();
      }
      String sourceJson = Summary.json(report);
      String destinationJson = dst.next("REPORT", 20);
      assertThat(dst.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(dst.process().exitValue()).isZero();

      assertThat(result(sourceJson)).as(sourceJson).isEqualTo("ok");
      assertThat(result(destinationJson)).as(destinationJson).isEqualTo("ok");
      List<String> sent = digests(sourceJson);
      assertThat(sent).hasSize(3).doesNotContainNull().doesNotContain("");
      assertThat(digests(destinationJson)).isEqualTo(sent);
      assertThat(src.digests()).as("the source content when it stopped").isEqualTo(sent);
      assertThat(destinationJson).contains("\"finalState\":\"RUNNING\"");
      assertThat(src.states()).containsOnly(MigrationState.STOP);
    }
  }

  /**
   * The destination process killed mid-migration: the source notices the lost connection, names the
   * peer, and runs its devices again with their content.
   */
  @Test
  void killedDestinationProcessLeavesTheSourceRunning() throws Exception {
    long mem = 4L << 20;
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(0x7, mem, 0), Rig.Spec.memdev(0x7, mem, 0));
    Destination dst = startDestination(specs, 10_000);
    try (Rig.End src = new Rig.End("src", specs, new RecordingDevice.Log())) {
      src.fill(103);
      List<String> before = src.digests();
      CountDownLatch midway = new CountDownLatch(1);
      ProgressListener progress =
          new ProgressListener() {
            @Override
            public void progress(long bytes, long remaining, double bytesPerSecond) {
              if (bytes >= 2 * mem) {
                midway.countDown();
              }
            }
          };
      // precopy that never converges on its own: the migration is still going when the kill comes
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(Duration.ofNanos(1))
              .withMaxPrecopy(Duration.ofSeconds(20));
      CompletableFuture<MigrationReport> sending;
      String peer = "127.0.0.1:" + dst.port();
      try (TcpChannel ch = connect(dst.port())) {
        sending =
            CompletableFuture.supplyAsync(
                () -> new MigrationSource(src.devices, ch, options, progress).run(),
                r -> Thread.ofPlatform().name("source").start(r));
        assertThat(midway.await(20, TimeUnit.SECONDS)).as("precopy under way").isTrue();
        assertThat(src.states()).containsOnly(MigrationState.PRE_COPY);
        dst.process().destroyForcibly();
        assertThat(dst.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        MigrationReport report = sending.get(15, TimeUnit.SECONDS);

        assertThat(result(Summary.json(report))).isEqualTo("failed");
        assertThat(report.error()).contains("destination").contains(peer);
        assertThat(report.totalMs()).as("noticed at once, not at maxPrecopy").isLessThan(10_000);
        Rig.assertSourceRecovered(src, before, report);
      }
    }
  }
}
