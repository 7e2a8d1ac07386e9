package io.jvfio.host.testkit;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ModelRegistry;
import java.util.function.IntFunction;

/** The hosts the tests run on: the default host (its devices and IOMMU groups) and model hosts. */
public final class Hosts {
  public static final String ROOT = DefaultHost.ROOT_BUS_DEVICE;
  public static final String SLOT = DefaultHost.SLOT_DEVICE;
  public static final String BUS_A = DefaultHost.BUS_DEVICE_A;
  public static final String BUS_B = DefaultHost.BUS_DEVICE_B;
  public static final String PAIR_A = DefaultHost.GROUP_PAIR_A;
  public static final String PAIR_B = DefaultHost.GROUP_PAIR_B;
  public static final String HOST_DRIVER = DefaultHost.HOST_DRIVER_DEVICE;
  public static final String BRIDGE = DefaultHost.NESTED_BRIDGE;
  public static final String GROUPLESS = DefaultHost.GROUPLESS_DEVICE;

  /** IOMMU groups of the default host and its variants. */
  public static final int ROOT_GROUP = 1; // 0000:00:02.0

  public static final int SLOT_GROUP = 3; // 0000:01:00.0
  public static final int BUS_A_GROUP = 5; // 0000:02:00.0
  public static final int BUS_B_GROUP = 6; // 0000:02:01.0
  public static final int PAIR_GROUP = 8; // 0000:03:00.0 and 0000:03:00.1
  public static final int HOST_DRIVER_GROUP = 9;

  private Hosts() {}

  public static Host defaultHost() {
    return new Host(DefaultHost.topology());
  }

  public static Host hostDriverHost() {
    return new Host(DefaultHost.withHostDriver());
  }

  public static Host nestedHost() {
    return new Host(DefaultHost.withNestedBridge());
  }

  /**
   * A host of {@code header} followed by one topology line per model, {@code line.apply(i)}, whose
   * driver is {@code vfio-pci:m<i>} playing models[i].
   */
  public static Host modelHost(String header, IntFunction<String> line, DeviceModel... models) {
    StringBuilder t = new StringBuilder(header);
    ModelRegistry registry = new ModelRegistry();
    for (int i = 0; i < models.length; i++) {
      DeviceModel m = models[i];
      registry.register("m" + i, () -> m);
      t.append(line.apply(i));
    }
    return new Host(Topology.parse(t.toString()), registry);
  }

  /**
   * A host whose bridge 0000:00:1c.0 (bus reset works, no slot) leads to bus 01, where function
   * {@code 0000:01:0i.0} plays models[i] in IOMMU group 21 + i; {@code flr[i]} gives it a
   * function-level reset. All functions share the dev_set "bus 0000:01", in index order.
   */
  public static Host busHost(boolean[] flr, DeviceModel... models) {
    return modelHost(
        "function 0000:00:00.0 8086:29c0 driver=host:pci-host group=0\n"
            + "bridge 0000:00:1c.0 8086:a110 secondary=01 bus-reset=yes group=20\n",
        i ->
            String.format(
                "function %s 1b36:0010 driver=vfio-pci:m%d group=%d flr=%s%n",
                busHostBdf(i), i, 21 + i, flr[i] ? "yes" : "no"),
        models);
  }

  public static String busHostBdf(int i) {
    return String.format("0000:01:%02x.0", i);
  }
}
