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
    assertThat(b.device("--device", "/dev/vfio/devices/vfio1").name()).isEqualTo("0000:02:02.0");
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

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "topology",
        "fsm --device 0000:02:01.0",
        "reset --device 0000:02:01.0",
        "reset --device 0000:02:01.0 --as group"
      })
  void withoutDevVfioEachCommandFailsWithOneLine(String line) {
    Path sys = SysfsMirror.write(tmp, labVmDevices());
    String[] args = (line + " --backend native --json").split(" ");
    CliRun r = SysfsMirror.with(sys, tmp.resolve("emptydev"), () -> CliRun.run(args));
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("this machine has no " + tmp.resolve("emptydev/vfio"));
    assertThat(r.json().get("result").asText()).isEqualTo("failed");
  }

  @Test
  void aDeviceWithoutCdevCannotBeCheckedAndSaysWhy() {
    List<DeviceNode> noCdev =
        labVmDevices().stream()
            .map(d ->
                new DeviceNode(
                    d.name(), null, d.groupPath(), d.kind(), d.vendor(), d.deviceId(), d.driver()))
            .toList();
    Path sys = SysfsMirror.write(tmp, noCdev);
    CliRun r =
        SysfsMirror.with(
            sys,
            SysfsMirror.withDevVfio(tmp),
            () -> CliRun.run("conformance", "--backend", "native", "--device", MTTY1));
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.err().strip())
        .isEqualTo(
            "jvfio conformance: "
                + MTTY1
                + " has no vfio cdev (/dev/vfio/devices/vfioN needs Linux 6.6 or later with"
                + " CONFIG_VFIO_DEVICE_CDEV), and the conformance kit opens devices through their"
                + " cdev (ENODEV)");
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
  void topologyListsTheVfioDevicesSysfsShows() {
    Path sys = SysfsMirror.write(tmp, labVmDevices());
    Path dev = SysfsMirror.withDevVfio(tmp);
    CliRun text = SysfsMirror.with(sys, dev, () -> CliRun.run("topology", "--backend", "native"));
    assertThat(text.code()).as(text.both()).isZero();
    assertThat(text.out().lines().toList())
        .hasSize(6)
        .first()
        .isEqualTo("vfio devices of this machine (sysfs at " + sys + ")");
    assertThat(text.out())
        .containsPattern(
            "0000:02:01.0 +1234:11e8 +vfio-pci +group /dev/vfio/3 +/dev/vfio/devices/vfio0")
        .containsPattern(
            MTTY1 + " +mdev +mdev:mtty/mtty-2 +group /dev/vfio/4 +/dev/vfio/devices/vfio2");
    CliRun json =
        SysfsMirror.with(sys, dev, () -> CliRun.run("topology", "--backend", "native", "--json"));
    assertThat(json.code()).as(json.both()).isZero();
    var j = json.json();
    assertThat(j.get("result").asText()).isEqualTo("ok");
    assertThat(j.get("devices")).hasSize(5);
    assertThat(j.get("devices").get(0).get("vendor").asText()).isEqualTo("1234");
    assertThat(j.get("devices").get(2).get("vendor").isNull()).isTrue();
    assertThat(j.get("devices").get(2).get("cdev").asText()).isEqualTo("/dev/vfio/devices/vfio2");
    assertThat(j.get("iommuGroups").get(0).get("id").asInt()).isEqualTo(3);
    assertThat(j.get("iommuGroups").get(0).get("members")).hasSize(2);
    CliRun array =
        SysfsMirror.with(
            sys, dev, () -> CliRun.run("topology", "--backend", "native", "--json-array"));
    assertThat(array.json()).hasSize(5);
  }

  @Test
  void topologyOfAMachineWithoutVfioDevicesSaysWhy() throws Exception {
    Files.createDirectories(tmp.resolve("sys/bus/pci/drivers/vfio-pci"));
    Files.createDirectories(tmp.resolve("sys/bus/pci/devices"));
    CliRun r =
        SysfsMirror.with(
            tmp.resolve("sys"),
            SysfsMirror.withDevVfio(tmp),
            () -> CliRun.run("topology", "--backend", "native"));
    assertThat(r.code()).as(r.both()).isZero();
    assertThat(r.out()).contains("has no vfio device: no PCI function is bound to vfio-pci");
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
