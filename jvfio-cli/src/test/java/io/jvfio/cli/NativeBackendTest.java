package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.client.DeviceNode;
import io.jvfio.host.DefaultHost;
import io.jvfio.nativebackend.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native backend's start: devices from (a copy of) sysfs, and one clear line, exit 1, when the
 * machine has no /dev/vfio or no vfio device.
 */
class NativeBackendTest {
  static final String MTTY1 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

  @TempDir Path tmp;

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(Platform.isSupported(), "the native backend runs on Linux only");
  }

  /** The lab VM's devices as the emulator shows them. */
  static List<DeviceNode> labVmDevices() {
    return Backends.emulated(TopologyInput.builtIn("the lab VM", DefaultHost.labVm())).devices();
  }

  @Test
  void sysfsShowingTheLabVmGivesTheEmulatorsDevicesApartFromMdevIds() {
    List<DeviceNode> emulated = labVmDevices();
    Path sys = SysfsMirror.write(tmp, emulated);
    NativeBackend b = SysfsMirror.with(sys, SysfsMirror.withDevVfio(tmp), NativeBackend::open);
    assertThat(b.describe()).isEqualTo("this machine (sysfs at " + sys + ")");
    // sysfs has no config space to read an mdev's ids from
    List<DeviceNode> expected =
        emulated.stream()
            .map(d ->
                d.kind() == DeviceNode.Kind.MDEV
                    ? new DeviceNode(
                        d.name(), d.cdevPath(), d.groupPath(), d.kind(), 0, 0, d.driver())
                    : d)
            .toList();
    assertThat(b.devices()).isEqualTo(expected).hasSize(5);
    assertThat(b.device("--device", MTTY1).cdevPath()).isEqualTo("/dev/vfio/devices/vfio2");
    assertThat(b.device("--device", "/dev/vfio/devices/vfio1").name()).isEqualTo("0000:01:02.0");
  }

  @Test
  void withoutDevVfioEveryCommandFailsWithOneLine() {
    Path sys = SysfsMirror.write(tmp, labVmDevices());
    Path dev = tmp.resolve("emptydev");
    CliRun r =
        SysfsMirror.with(
            sys, dev, () -> CliRun.run("conformance", "--backend", "native", "--json"));
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.err().lines().toList())
        .containsExactly(
            "jvfio conformance: this machine has no "
                + dev.resolve("vfio")
                + ", so the native backend has no vfio device to open: sysfs shows 5 vfio"
                + " devices, so is /dev a devtmpfs? (ENOENT)");
    assertThat(r.json().get("result").asText()).isEqualTo("failed");
    assertThat(r.json().get("errno").asText()).isEqualTo("ENOENT");
  }

  @Test
  void noDeviceInSysfsSaysWhy() throws Exception {
    Path sys = Files.createDirectories(tmp.resolve("sys/bus/pci/devices"));
    sys = tmp.resolve("sys");
    Path dev = SysfsMirror.withDevVfio(tmp);
    CliRun r = SysfsMirror.with(sys, dev, () -> CliRun.run("conformance", "--backend", "native"));
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.err().strip())
        .isEqualTo(
            "jvfio conformance: this machine (sysfs at "
                + sys
                + ") has no vfio device to check: vfio-pci is not loaded (modprobe vfio-pci), and"
                + " no mdev parent is registered (ENODEV)");
  }

  @Test
  void aDeviceNotThereIsAUsageErrorListingTheDevices() {
    Path sys = SysfsMirror.write(tmp, labVmDevices());
    CliRun r =
        SysfsMirror.with(
            sys,
            SysfsMirror.withDevVfio(tmp),
            () -> CliRun.run("conformance", "--backend", "native", "--device", "0000:09:00.0"));
    assertThat(r.code()).as(r.both()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "--device 0000:09:00.0: no such vfio device; the vfio devices of" + " this machine");
  }

  @Test
  void onThisMachineWithoutDevVfioConformanceFailsWithOneLine() {
    assumeFalse(Files.exists(Path.of("/dev/vfio")), "this machine has /dev/vfio");
    CliRun r = CliRun.run("conformance", "--backend", "native", "--json");
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).startsWith("jvfio conformance: this machine has no /dev/vfio, so");
    assertThat(r.json().get("result").asText()).isEqualTo("failed");
  }
}
