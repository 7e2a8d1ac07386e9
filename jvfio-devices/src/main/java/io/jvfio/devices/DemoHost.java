package io.jvfio.devices;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.pci.Topology;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The host of {@code jvfio demo}: the default host's PCI shapes (see {@link DefaultHost}) plus a
 * bus of migratable devices, two memdev and an mtty ({@code migration-devices.topology}).
 */
public final class DemoHost {
  public static final String MEMDEV_A = "0000:05:00.0";
  public static final String MEMDEV_B = "0000:05:01.0";
  public static final String MTTY = "0000:05:02.0";

  private DemoHost() {}

  /** The demo host's topology. */
  public static Topology topology() {
    return Topology.parse(text());
  }

  /** Its text form: the default topology followed by the migratable devices. */
  public static String text() {
    return DefaultHost.text("default.topology") + resource("migration-devices.topology");
  }

  /** A running demo host with every model of {@link Models}. */
  public static Host build() {
    return new Host(topology(), Models.registry());
  }

  /** A demo host whose memdev devices are built from {@code memdev}. */
  public static Host build(io.jvfio.devices.memdev.MemDevice.Config memdev) {
    return new Host(topology(), Models.registry(memdev));
  }

  private static String resource(String name) {
    try (InputStream in = DemoHost.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
