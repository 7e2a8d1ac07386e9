package io.jvfio.host;

import io.jvfio.host.pci.Topology;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The host used by {@code jvfio demo} and the tests, described in {@code default.topology}: a
 * root-bus device, a slot with a working reset, a bus without slot reset holding functions of
 * different IOMMU groups, and an IOMMU group of two functions. {@link #withHostDriver()} adds a
 * host-driver function to that bus; {@link #withNestedBridge()} adds a bridge below it.
 */
public final class DefaultHost {
  public static final String ROOT_BUS_DEVICE = "0000:00:02.0";
  public static final String SLOT_DEVICE = "0000:01:00.0";
  public static final String BUS_DEVICE_A = "0000:02:00.0";
  public static final String BUS_DEVICE_B = "0000:02:01.0";
  public static final String GROUP_PAIR_A = "0000:03:00.0";
  public static final String GROUP_PAIR_B = "0000:03:00.1";
  public static final String HOST_DRIVER_DEVICE = "0000:02:02.0";
  public static final String NESTED_BRIDGE = "0000:02:03.0";
  public static final String GROUPLESS_DEVICE = "0000:04:00.0";

  private DefaultHost() {}

  /** The default topology. */
  public static Topology topology() {
    return Topology.parse(text("default.topology"));
  }

  /** The default topology plus a host-driver function on bus 02. */
  public static Topology withHostDriver() {
    return Topology.parse(text("default-host-driver.topology"));
  }

  /**
   * The default topology plus a bridge on bus 02 leading to bus 04, where a function has no IOMMU
   * group: bus 02's reset scope then holds a bridge, a subordinate bus and a group-less function.
   */
  public static Topology withNestedBridge() {
    return Topology.parse(text("default-nested-bridge.topology"));
  }

  /**
   * The first edu function of the lab VM mirror ({@code /dev/vfio/devices/vfio0}), on bus 02 behind
   * the root port 00:03.0 and the PCIe-to-PCI bridge 01:00.0, where the VM has it.
   */
  public static final String LAB_EDU_A = "0000:02:01.0";

  /** The second edu function of the lab VM mirror ({@code /dev/vfio/devices/vfio1}). */
  public static final String LAB_EDU_B = "0000:02:02.0";

  /** The lab VM's mtty mdevs, in creation order ({@code vfio2} to {@code vfio4}). */
  public static final List<String> LAB_MTTY =
      List.of(
          "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",
          "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002",
          "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003");

  /**
   * The lab VM of {@code ../shared/lab} as booted, as VFIO sees it: a root port (group 1, host
   * driver), a PCIe-to-PCI bridge and behind it two edu functions on vfio-pci (group 3), three
   * mtty-2 mdevs in groups 4 to 6. {@code scripts/lab-check} runs the emulator on the same file.
   * Its models ({@code edu}, {@code mtty2}) are jvfio-devices'.
   */
  public static Topology labVm() {
    return Topology.parse(text("lab-vm.topology"));
  }

  /** The text of a bundled topology file. */
  public static String text(String resource) {
    try (InputStream in = DefaultHost.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
