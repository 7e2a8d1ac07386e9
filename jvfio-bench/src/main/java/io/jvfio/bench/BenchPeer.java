package io.jvfio.bench;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Digests;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationReceiver;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The far end of {@link MigrationBench}, in a JVM of its own: a raw TCP sink and a migration
 * receiver on loopback. It prints {@code READY raw=PORT migrate=PORT}, then one {@code RESULT} line
 * per migration received, and exits when its standard input closes (the bench ended or died).
 *
 * <p>Arguments: the memdev size in MiB, the receiver's peer timeout in ms.
 */
public final class BenchPeer {
  private BenchPeer() {}

  /** The devices a bench migrates: the demo host's two memdev. */
  static final List<String> DEVICES = List.of(DemoHost.MEMDEV_A, DemoHost.MEMDEV_B);

  public static void main(String[] args) throws Exception {
    long memBytes = Long.parseLong(args[0]) << 20;
    Duration peerTimeout = Duration.ofMillis(Long.parseLong(args[1]));
    PrintStream out = System.out;
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (Host host = DemoHost.build(MemDevice.Config.defaults().withMemorySize(memBytes));
        ServerSocketChannel raw = ServerSocketChannel.open().bind(loopback);
        TcpListener migrate = TcpTransport.listen(loopback)) {
      List<MigratingDevice> devices = open(host, host.process("vmm"));
      Thread.ofPlatform().daemon().name("raw-sink").start(() -> sink(raw));
      Thread.ofPlatform()
          .daemon()
          .name("receiver")
          .start(() -> receive(migrate, devices, peerTimeout, out));
      out.printf(
          "READY raw=%d migrate=%d%n",
          ((InetSocketAddress) raw.getLocalAddress()).getPort(), migrate.localAddress().getPort());
      out.flush();
      // the bench holds our stdin: when it closes (normally or because the bench died), end
      InputStream in = System.in;
      while (in.read() >= 0) {
        // nothing is sent on stdin
      }
    }
    System.exit(0);
  }

  static List<MigratingDevice> open(Host host, HostProcess p) {
    Iommufd iommufd = Iommufd.open(p);
    List<MigratingDevice> list = new ArrayList<>();
    for (String bdf : DEVICES) {
      var d = host.device(bdf).orElseThrow();
      VfioDevice dev = VfioDevice.openCdev(p, d.cdevPath(), iommufd);
      list.add(
          new MigratingDevice(
              dev, bdf, d.model().name(), d.vendor(), d.deviceId(), Digests.of(d.model())));
    }
    return list;
  }

  /**
   * Each connection: a u64 byte count, then that many bytes read into one direct buffer of {@link
   * MigrationBench#BUFFER_BYTES} (the engine's read size), then one byte back.
   */
  private static void sink(ServerSocketChannel server) {
    ByteBuffer buf = ByteBuffer.allocateDirect(MigrationBench.BUFFER_BYTES);
    ByteBuffer head = ByteBuffer.allocate(8);
    while (true) {
      try (SocketChannel c = server.accept()) {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        head.clear();
        while (head.hasRemaining()) {
          if (c.read(head) < 0) {
            throw new IOException("the bench closed the connection early");
          }
        }
        long left = head.getLong(0);
        while (left > 0) {
          buf.clear();
          if (left < buf.capacity()) {
            buf.limit((int) left);
          }
          int n = c.read(buf);
          if (n < 0) {
            throw new IOException("the bench closed the connection with " + left + " bytes left");
          }
          left -= n;
        }
        c.write(ByteBuffer.wrap(new byte[] {1}));
      } catch (IOException e) {
        System.err.println("raw sink: " + e.getMessage());
        if (!server.isOpen()) {
          return;
        }
      }
    }
  }

  private static void receive(
      TcpListener listener, List<MigratingDevice> devices, Duration peerTimeout, PrintStream out) {
    MigrationOptions options = MigrationOptions.defaults().withPeerTimeout(peerTimeout);
    while (true) {
      try {
        MigrationBench.CpuAtStep atDigests = new MigrationBench.CpuAtStep();
        MigrationReport r =
            new MigrationReceiver(listener, devices, options, atDigests, System.err::println)
                .run(Duration.ofHours(1));
        if (r == null) {
          continue;
        }
        synchronized (out) {
          out.println(result(r, atDigests.nanos()));
          out.flush();
        }
      } catch (IOException | RuntimeException e) {
        System.err.println("receiver: " + e);
        return;
      }
    }
  }

  /**
   * {@code RESULT completed=B downtimeMs=D limitMs=L cpuNanos=N digests=a,b error=...} on one line;
   * N: this JVM's CPU time when the digests began.
   */
  static String result(MigrationReport r, long cpuNanos) {
    List<String> digests = new ArrayList<>();
    r.devices().forEach(d -> digests.add(d.digest() == null ? "-" : d.digest()));
    return String.format(
        Locale.ROOT,
        "RESULT completed=%b downtimeMs=%.3f limitMs=%.3f cpuNanos=%d digests=%s error=%s",
        r.completed(),
        r.downtimeMs(),
        r.downtimeLimitMs(),
        cpuNanos,
        String.join(",", digests),
        r.error() == null ? "" : r.error().replace('\n', ' '));
  }
}
