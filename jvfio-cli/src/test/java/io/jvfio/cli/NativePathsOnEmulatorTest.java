package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.jvfio.cli.OpenedDevice.As;
import io.jvfio.client.DeviceNode;
import io.jvfio.devices.DemoHost;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.nativebackend.SysfsDevices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The code paths the native backend takes, run on the emulator: a hot reset whose scope is learned
 * from INFO alone (the device opened by itself first, as on a machine where sysfs does not say what
 * one reset takes) must end exactly as the emulator's device-set path ends, for every vfio-pci
 * device of the demo host, the host-driver and nested-bridge variants and the lab VM.
 */
class NativePathsOnEmulatorTest {
  private static final Map<String, Supplier<Topology>> HOSTS =
      Map.of(
          "demo", DemoHost::topology,
          "host-driver", DefaultHost::withHostDriver,
          "nested-bridge", DefaultHost::withNestedBridge,
          "lab VM", DefaultHost::labVm);

  @ParameterizedTest
  @EnumSource(As.class)
  void aScopeLearnedFromInfoEndsAsTheDeviceSetPathEnds(As as) {
    int compared = 0;
    for (var host : HOSTS.entrySet()) {
      for (DeviceNode d : backend(host.getValue()).devices()) {
        if (d.kind() != DeviceNode.Kind.PCI) {
          continue;
        }
        ResetCommand.Outcome devSet = reset(host.getValue(), d, true, as);
        ResetCommand.Outcome learned = reset(host.getValue(), d, false, as);
        assertThat(meaning(learned, as))
            .as("%s on %s as %s", d.name(), host.getKey(), as)
            .isEqualTo(meaning(devSet, as));
        compared++;
      }
    }
    assertThat(compared).isGreaterThanOrEqualTo(15);
  }

  @Test
  void learningTheScopeMattersWhereTheSetHasMoreThanTheDevice() {
    // the lab VM's two edu functions share bus 02: opened alone, neither would be owned
    EmulatedBackend b = backend(DefaultHost::labVm);
    DeviceNode edu = b.device("--device", "0000:02:01.0");
    ResetCommand.Outcome o;
    try (Backend.Session s = b.session("vmm")) {
      o = ResetCommand.run(b, s.sys(), edu, List.of(edu), As.cdev);
    }
    assertThat(o.ok()).as(o.reason()).isTrue();
    assertThat(o.scope())
        .extracting(ResetCommand.Entry::bdf)
        .containsExactly("0000:02:01.0", "0000:02:02.0");
  }

  @Test
  void anMdevHasNoHotResetAndSaysSo() {
    EmulatedBackend b = backend(DefaultHost::labVm);
    DeviceNode mtty = b.device("--device", NativeBackendTest.MTTY1);
    for (As as : As.values()) {
      ResetCommand.Outcome o;
      try (Backend.Session s = b.session("vmm")) {
        o = ResetCommand.run(b, s.sys(), mtty, ResetCommand.firstOpened(b, mtty), as);
      }
      assertThat(o.errno()).isEqualTo("ENOTTY");
      assertThat(o.reason())
          .startsWith(NativeBackendTest.MTTY1 + " is a mediated device (mdev:mtty/mtty-2)");
    }
  }

  /**
   * The devices the native backend finds in a sysfs that shows the lab VM open on the emulated host
   * both ways, and the fsm run on its mtty through the group (as on a kernel without cdevs) gives
   * what it gives through the cdev.
   */
  @Test
  void devicesFoundInSysfsOpenAndMigrateOnTheEmulator(@TempDir Path tmp) {
    EmulatedBackend b = backend(DefaultHost::labVm);
    List<DeviceNode> found = SysfsDevices.scan(SysfsMirror.write(tmp, b.devices()));
    assertThat(found).hasSize(5);
    for (DeviceNode d : found) {
      for (As as : As.values()) {
        try (Backend.Session s = b.session("vmm");
            OpenedDevice.Vmm o = new OpenedDevice.Vmm(s.sys(), as)) {
          assertThatCode(() -> o.open(d)).as("%s as %s", d.name(), as).doesNotThrowAnyException();
        }
      }
    }
    DeviceNode mtty = found.get(2);
    DeviceNode groupOnly =
        new DeviceNode(mtty.name(), null, mtty.groupPath(), mtty.kind(), 0, 0, mtty.driver());
    DeviceFsm.Result viaCdev;
    DeviceFsm.Result viaGroup;
    try (Backend.Session s = b.session("fsm")) {
      viaCdev = FsmCommand.onDevice(s.sys(), mtty, 7L);
    }
    try (Backend.Session s = b.session("fsm")) {
      viaGroup = FsmCommand.onDevice(s.sys(), groupOnly, 7L);
    }
    assertThat(viaGroup).isEqualTo(viaCdev);
    assertThat(viaCdev.pairs()).filteredOn(p -> p.skipped() == null).hasSize(56);
  }

  /** Every fd the fsm and the reset open (devices, groups, container, iommufd) is closed after. */
  @ParameterizedTest
  @EnumSource(As.class)
  void fsmAndResetCloseWhatTheyOpened(As as) {
    EmulatedBackend b = backend(DefaultHost::labVm);
    DeviceNode edu = b.device("--device", "0000:02:01.0");
    DeviceNode mtty = b.device("--device", NativeBackendTest.MTTY1);
    DeviceNode node =
        as == As.cdev
            ? mtty
            : new DeviceNode(mtty.name(), null, mtty.groupPath(), mtty.kind(), 0, 0, mtty.driver());
    try (Backend.Session s = b.session("vmm")) {
      HostProcess p = (HostProcess) s.sys();
      List<Integer> before = p.openFds();
      assertThat(ResetCommand.run(b, s.sys(), edu, List.of(edu), as).ok()).isTrue();
      assertThat(p.openFds()).as("after the reset").isEqualTo(before);
      FsmCommand.onDevice(s.sys(), node, 7L);
      assertThat(p.openFds()).as("after the fsm").isEqualTo(before);
    }
  }

  /**
   * A native backend's view (devices and drivers from sysfs) over the emulated host's syscalls: a
   * host-driver function in the scope blocks the reset, named with the driver sysfs shows.
   */
  @Test
  void aBlockingFunctionIsNamedWithItsSysfsDriver(@TempDir Path tmp) throws Exception {
    EmulatedBackend emulated = backend(DefaultHost::withHostDriver);
    Path sys = SysfsMirror.write(tmp, emulated.devices());
    Path igb = Files.createDirectories(sys.resolve("devices/pci0000:00/0000:02:02.0"));
    Files.createDirectories(sys.resolve("bus/pci/drivers/igb"));
    Files.createSymbolicLink(
        sys.resolve("bus/pci/devices/0000:02:02.0"),
        Path.of("../../../devices/pci0000:00/0000:02:02.0"));
    Files.createSymbolicLink(igb.resolve("driver"), Path.of("../../../bus/pci/drivers/igb"));
    ResetCommand.Outcome o =
        SysfsMirror.with(
            sys,
            SysfsMirror.withDevVfio(tmp),
            () -> {
              NativeBackend nb = NativeBackend.open();
              DeviceNode d = nb.device("--device", "0000:02:01.0");
              try (Backend.Session s = emulated.session("vmm")) {
                return ResetCommand.run(nb, s.sys(), d, List.of(d), As.cdev);
              }
            });
    assertThat(o.errno()).isEqualTo("EPERM");
    assertThat(o.blocking()).containsExactly("0000:02:02.0");
    assertThat(o.reason())
        .startsWith("the reset would also reset 0000:02:02.0 (igb), which is not bound")
        .contains("bind it to vfio-pci");
  }

  /**
   * An outcome with each cdev devid replaced by "devid": iommufd numbers devices in bind order, and
   * the learned path binds the device first; what an id means (owned, NOT_OWNED) must not change.
   */
  private static ResetCommand.Outcome meaning(ResetCommand.Outcome o, As as) {
    if (as == As.group) {
      return o;
    }
    long notOwned =
        Integer.toUnsignedLong(io.jvfio.uapi.vfio.VfioConstants.VFIO_PCI_DEVID_NOT_OWNED);
    long owned = io.jvfio.uapi.vfio.VfioConstants.VFIO_PCI_DEVID_OWNED;
    return new ResetCommand.Outcome(
        o.infoFlags(),
        o.scope().stream()
            .map(e ->
                new ResetCommand.Entry(
                    e.segment(),
                    e.bus(),
                    e.devfn(),
                    e.id() == notOwned || e.id() == owned ? e.id() : 1))
            .toList(),
        o.blocking(),
        o.errno(),
        o.reason());
  }

  private static EmulatedBackend backend(Supplier<Topology> t) {
    return Backends.emulated(TopologyInput.builtIn("the host", t.get()));
  }

  /** One reset on a fresh host: from the device set, or from the device alone. */
  private static ResetCommand.Outcome reset(
      Supplier<Topology> t, DeviceNode d, boolean devSet, As as) {
    EmulatedBackend b = backend(t);
    DeviceNode node = b.device("--device", d.name());
    List<DeviceNode> first = devSet ? ResetCommand.firstOpened(b, node) : List.of(node);
    try (Backend.Session s = b.session("vmm")) {
      return ResetCommand.run(b, s.sys(), node, first, as);
    }
  }
}
