package io.jvfio.migration.engine;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.report.Summary;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The destination of {@link EngineTwoProcessTest}, run in a JVM of its own: builds a host playing
 * the devices of {@code args[0]} (see {@link Rig#parse}), listens on a free loopback port, receives
 * one migration and prints its report. Standard output gets exactly two lines: {@code LISTENING
 * <port>} once the port is open, and {@code REPORT <json>} at the end.
 */
public final class DestinationMain {
  private DestinationMain() {}

  public static void main(String[] args) throws Exception {
    List<Rig.Spec> specs = Rig.parse(args[0]);
    Duration timeout = Duration.ofMillis(Long.parseLong(args[1]));
    MigrationOptions options = MigrationOptions.defaults().withPeerTimeout(timeout);
    try (Rig.End dst = new Rig.End("dst", specs, new RecordingDevice.Log());
        TcpListener listener =
            TcpTransport.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      System.out.println("LISTENING " + listener.localAddress().getPort());
      System.out.flush();
      MigrationReport report;
      try (Channel ch = listener.accept(timeout)) {
        report = new MigrationDestination(dst.devices, ch, options, ProgressListener.NONE).run();
      }
      System.out.println("REPORT " + Summary.json(report));
      System.out.flush();
    }
    System.exit(0);
  }
}
