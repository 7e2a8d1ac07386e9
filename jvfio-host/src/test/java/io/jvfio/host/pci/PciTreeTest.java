package io.jvfio.host.pci;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.sdk.PlainFunction;
import io.jvfio.host.vfio.DeviceSet;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.host.vfio.VfioGroup;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the host derives from a topology: tree, reset rules, device sets, nodes. */
class PciTreeTest {
  private static final Host HOST = new Host(DefaultHost.topology());
  private static final Host HOST_DRIVER = new Host(DefaultHost.withHostDriver());

  private static PciDev dev(Host h, String bdf) {
    return h.pci().find(PciAddress.parse(bdf)).orElseThrow();
  }

  private static List<String> names(Optional<List<PciDev>> scope) {
    return scope.orElseThrow().stream().map(PciDev::name).toList();
  }

  // ---- tree ----

  @Test
  void theTreeHasOneRootBusAndABusBehindEachBridge() {
    PciTree t = HOST.pci();
    assertThat(t.roots()).extracting(PciBus::toString).containsExactly("0000:00");
    PciBus root = t.roots().getFirst();
    assertThat(root.isRoot()).isTrue();
    assertThat(root.self()).isNull();
    assertThat(root.devices())
        .extracting(PciDev::name)
        .containsExactly(
            "0000:00:00.0", "0000:00:02.0", "0000:00:1c.0", "0000:00:1d.0", "0000:00:1e.0");
    PciDev port = dev(HOST, "0000:00:1d.0");
    assertThat(port.subordinate().number()).isEqualTo(2);
    assertThat(port.subordinate().self()).isSameAs(port);
    assertThat(port.subordinate().devices())
        .extracting(PciDev::name)
        .containsExactly("0000:02:00.0", "0000:02:01.0");
    assertThat(dev(HOST, DefaultHost.SLOT_DEVICE).slot()).isEqualTo(new SlotSpec(0, 1, 0, true));
    assertThat(dev(HOST, DefaultHost.BUS_DEVICE_A).slot()).isNull();
    assertThat(dev(HOST, DefaultHost.BUS_DEVICE_A).subordinate()).isNull();
    assertThat(t.devices()).hasSize(10);
    assertThat(t.find(PciAddress.parse("0000:05:00.0"))).isEmpty();
  }

  // ---- reset scope ----

  @Test
  void resetScopeOfTheDefaultHost() {
    // slot reset works: just the slot's functions
    assertThat(names(PciTree.resetScope(dev(HOST, DefaultHost.SLOT_DEVICE))))
        .containsExactly("0000:01:00.0");
    // no slot: every function on the bus
    assertThat(names(PciTree.resetScope(dev(HOST, DefaultHost.BUS_DEVICE_A))))
        .containsExactly("0000:02:00.0", "0000:02:01.0");
    assertThat(names(PciTree.resetScope(dev(HOST, DefaultHost.BUS_DEVICE_B))))
        .containsExactly("0000:02:00.0", "0000:02:01.0");
    assertThat(names(PciTree.resetScope(dev(HOST, DefaultHost.GROUP_PAIR_B))))
        .containsExactly("0000:03:00.0", "0000:03:00.1");
    // a root bus has neither
    for (String bdf : new String[] {DefaultHost.ROOT_BUS_DEVICE, "0000:00:00.0", "0000:00:1c.0"}) {
      assertThat(PciTree.resetScope(dev(HOST, bdf))).as(bdf).isEmpty();
    }
    // host-driver functions count too
    assertThat(names(PciTree.resetScope(dev(HOST_DRIVER, DefaultHost.BUS_DEVICE_A))))
        .containsExactly("0000:02:00.0", "0000:02:01.0", "0000:02:02.0");
  }

  private static final Topology NESTED =
      Topology.parse(
          """
          bridge   0000:00:1c.0 8086:a110 secondary=01 group=1
          slot     0000:01:00 reset=yes
          slot     0000:01:02 reset=no
          bridge   0000:01:00.0 10b5:8747 secondary=02 group=2
          function 0000:02:00.0 1234:11e8 driver=vfio-pci group=3
          bridge   0000:02:01.0 10b5:8747 secondary=03 group=4
          function 0000:03:00.0 1234:11e8 driver=vfio-pci group=5
          function 0000:01:01.0 1234:11e8 driver=vfio-pci group=6
          function 0000:01:02.0 1234:11e8 driver=vfio-pci group=7
          function 0000:01:02.1 1234:11e8 driver=vfio-pci group=7
          bridge   0000:00:1d.0 8086:a118 secondary=04 bus-reset=no group=8
          function 0000:04:00.0 1234:11e8 driver=vfio-pci group=9
          bridge   0000:00:1e.0 8086:a118 secondary=05 group=10
          bridge   0000:05:00.0 10b5:8747 secondary=06 bus-reset=no group=11
          function 0000:05:01.0 1234:11e8 driver=vfio-pci group=12
          function 0000:06:00.0 1234:11e8 driver=vfio-pci group=13
          """);

  @Test
  void resetScopeWalksBusesBelowInPciWalkOrder() {
    Host h = new Host(NESTED);
    // a bridge in a working slot: everything below it
    assertThat(names(PciTree.resetScope(dev(h, "0000:01:00.0"))))
        .containsExactly("0000:01:00.0", "0000:02:00.0", "0000:02:01.0", "0000:03:00.0");
    // behind that bridge there is no slot: the bus 02 reset includes bus 03
    assertThat(names(PciTree.resetScope(dev(h, "0000:02:00.0"))))
        .containsExactly("0000:02:00.0", "0000:02:01.0", "0000:03:00.0");
    assertThat(names(PciTree.resetScope(dev(h, "0000:03:00.0")))).containsExactly("0000:03:00.0");
    // no slot on bus 01 for device 01, and a slot whose reset fails: the whole bus 01
    List<String> bus01 =
        List.of(
            "0000:01:00.0",
            "0000:02:00.0",
            "0000:02:01.0",
            "0000:03:00.0",
            "0000:01:01.0",
            "0000:01:02.0",
            "0000:01:02.1");
    assertThat(names(PciTree.resetScope(dev(h, "0000:01:01.0")))).containsExactlyElementsOf(bus01);
    assertThat(names(PciTree.resetScope(dev(h, "0000:01:02.1")))).containsExactlyElementsOf(bus01);
    // the bridge above bus 04 cannot reset it
    assertThat(PciTree.resetScope(dev(h, "0000:04:00.0"))).isEmpty();
    // bus 05 cannot be reset because a bridge below it forbids resetting bus 06
    assertThat(PciTree.busResetWorks(dev(h, "0000:05:01.0").bus())).isFalse();
    assertThat(PciTree.resetScope(dev(h, "0000:05:01.0"))).isEmpty();
    assertThat(PciTree.resetScope(dev(h, "0000:06:00.0"))).isEmpty();
  }

  @Test
  void functionResetWorks() {
    // FLR
    assertThat(PciTree.functionResetWorks(dev(HOST, DefaultHost.ROOT_BUS_DEVICE))).isTrue();
    assertThat(PciTree.functionResetWorks(dev(HOST, DefaultHost.SLOT_DEVICE))).isTrue();
    // no FLR, shares the bus: nothing works
    assertThat(PciTree.functionResetWorks(dev(HOST, DefaultHost.BUS_DEVICE_A))).isFalse();
    assertThat(PciTree.functionResetWorks(dev(HOST, DefaultHost.GROUP_PAIR_A))).isFalse();
    // bridges have no function reset without FLR
    assertThat(PciTree.functionResetWorks(dev(HOST, "0000:00:1c.0"))).isFalse();

    Host h = new Host(NESTED);
    // alone in a working slot but a bridge: no
    assertThat(PciTree.functionResetWorks(dev(h, "0000:01:00.0"))).isFalse();
    // alone on a resettable bus
    assertThat(PciTree.functionResetWorks(dev(h, "0000:03:00.0"))).isTrue();
    // alone on a bus whose bridge cannot reset it
    assertThat(PciTree.functionResetWorks(dev(h, "0000:04:00.0"))).isFalse();
    assertThat(PciTree.functionResetWorks(dev(h, "0000:06:00.0"))).isFalse();
    // sharing bus 02 with a bridge
    assertThat(PciTree.functionResetWorks(dev(h, "0000:02:00.0"))).isFalse();
    // multi-function in a slot whose reset does not work
    assertThat(PciTree.functionResetWorks(dev(h, "0000:01:02.0"))).isFalse();

    Host slotted =
        new Host(
            Topology.parse(
                """
                bridge   0000:00:1c.0 8086:a110 secondary=01 group=1
                slot     0000:01:00 reset=yes
                slot     0000:01:01 reset=yes
                function 0000:01:00.0 1234:11e8 driver=vfio-pci group=2
                function 0000:01:01.0 1234:11e8 driver=vfio-pci group=3
                function 0000:01:01.1 1234:11e8 driver=vfio-pci group=3
                """));
    // single function in a working slot, even with other slots on the bus
    assertThat(PciTree.functionResetWorks(dev(slotted, "0000:01:00.0"))).isTrue();
    // a multi-function device cannot use its slot reset
    assertThat(PciTree.functionResetWorks(dev(slotted, "0000:01:01.0"))).isFalse();
    assertThat(PciTree.slotResetWorks(dev(slotted, "0000:01:01.0"))).isTrue();
  }

  @Test
  void theLabVmsBusResetOfBus02LeavesTheBridgeAndTheRootPortOut() {
    ModelRegistry models =
        ModelRegistry.builtin()
            .register("edu", PlainFunction::new)
            .register("mtty2", PlainFunction::new);
    try (Host lab = new Host(DefaultHost.labVm(), models)) {
      // the PCIe-to-PCI bridge resets its secondary bus: the two edu functions, not itself and
      // not the root port above it (group 1, pcieport), so neither enters any hot-reset answer
      List<String> edu = List.of(DefaultHost.LAB_EDU_A, DefaultHost.LAB_EDU_B);
      assertThat(names(PciTree.resetScope(dev(lab, DefaultHost.LAB_EDU_A))))
          .containsExactlyElementsOf(edu);
      assertThat(lab.device(DefaultHost.LAB_EDU_B).orElseThrow().devSet().members())
          .extracting(VfioDevice::name)
          .containsExactlyElementsOf(edu);
      assertThat(lab.device(DefaultHost.LAB_EDU_A).orElseThrow().devSet().key())
          .isEqualTo("bus 0000:02");
      // pcieport manages DMA itself: group 1 is not claimed, and as no vfio driver is in it,
      // it has no /dev/vfio/1
      assertThat(lab.iommuGroups().get(1).claimed()).isFalse();
      assertThat(lab.deviceNodes()).doesNotContain("/dev/vfio/1").contains("/dev/vfio/3");
    }
  }

  // ---- vfio registration ----

  @Test
  void deviceSetsOfTheDefaultHost() {
    Map<String, List<String>> sets =
        HOST.vfio().deviceSets().stream()
            .collect(
                Collectors.toMap(
                    DeviceSet::key,
                    s -> s.members().stream().map(VfioDevice::name).toList(),
                    (a, b) -> a,
                    java.util.LinkedHashMap::new));
    assertThat(sets)
        .containsExactly(
            Map.entry("device 0000:00:02.0", List.of("0000:00:02.0")),
            Map.entry("slot 0000:01:00", List.of("0000:01:00.0")),
            Map.entry("bus 0000:02", List.of("0000:02:00.0", "0000:02:01.0")),
            Map.entry("bus 0000:03", List.of("0000:03:00.0", "0000:03:00.1")));
    VfioDevice a = HOST.device(DefaultHost.BUS_DEVICE_A).orElseThrow();
    VfioDevice b = HOST.device(DefaultHost.BUS_DEVICE_B).orElseThrow();
    assertThat(a.devSet()).isSameAs(b.devSet());
    assertThat(a.group()).isNotSameAs(b.group());
    assertThat(a.devSet().find(b.pci())).contains(b);
    assertThat(a.devSet().find(dev(HOST, DefaultHost.SLOT_DEVICE))).isEmpty();
    // the host-driver function joins no set
    assertThat(HOST_DRIVER.vfio().deviceSets())
        .extracting(DeviceSet::key)
        .containsExactly("device 0000:00:02.0", "slot 0000:01:00", "bus 0000:02", "bus 0000:03");
    assertThat(HOST_DRIVER.device(DefaultHost.HOST_DRIVER_DEVICE)).isEmpty();
  }

  @Test
  void aSlotWhoseResetFailsGivesABusKeyedSet() {
    Host h = new Host(NESTED);
    assertThat(h.device("0000:01:00.0")).isEmpty(); // a bridge, not vfio
    assertThat(h.device("0000:01:01.0").orElseThrow().devSet().key()).isEqualTo("bus 0000:01");
    assertThat(h.device("0000:01:02.0").orElseThrow().devSet().key()).isEqualTo("bus 0000:01");
    assertThat(h.device("0000:02:00.0").orElseThrow().devSet().key()).isEqualTo("bus 0000:02");
    assertThat(h.device("0000:01:01.0").orElseThrow().devSet().members())
        .extracting(VfioDevice::name)
        .containsExactly("0000:01:01.0", "0000:01:02.0", "0000:01:02.1");
  }

  @Test
  void cdevIndexesFollowRegistrationOrder() {
    assertThat(HOST.vfio().devices())
        .extracting(d -> d.index() + " " + d.name() + " " + d.cdevPath())
        .containsExactly(
            "0 0000:00:02.0 /dev/vfio/devices/vfio0",
            "1 0000:01:00.0 /dev/vfio/devices/vfio1",
            "2 0000:02:00.0 /dev/vfio/devices/vfio2",
            "3 0000:02:01.0 /dev/vfio/devices/vfio3",
            "4 0000:03:00.0 /dev/vfio/devices/vfio4",
            "5 0000:03:00.1 /dev/vfio/devices/vfio5");
    // a host-driver function takes no index
    assertThat(HOST_DRIVER.vfio().devices())
        .extracting(VfioDevice::index)
        .containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void groupsAndDeviceNodesOfTheDefaultHost() {
    assertThat(HOST.vfio().groups()).extracting(VfioGroup::id).containsExactly(1, 3, 5, 6, 8);
    assertThat(HOST.vfio().group(8).devices())
        .extracting(VfioDevice::name)
        .containsExactly("0000:03:00.0", "0000:03:00.1");
    assertThat(HOST.iommuGroups()).containsOnlyKeys(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(HOST.deviceNodes())
        .containsExactly(
            "/dev/iommu",
            "/dev/null",
            "/dev/vfio/1",
            "/dev/vfio/3",
            "/dev/vfio/5",
            "/dev/vfio/6",
            "/dev/vfio/8",
            "/dev/vfio/devices/vfio0",
            "/dev/vfio/devices/vfio1",
            "/dev/vfio/devices/vfio2",
            "/dev/vfio/devices/vfio3",
            "/dev/vfio/devices/vfio4",
            "/dev/vfio/devices/vfio5",
            "/dev/vfio/vfio");
    assertThat(HOST_DRIVER.deviceNodes()).isEqualTo(HOST.deviceNodes());
    assertThat(HOST_DRIVER.iommuGroups()).containsKey(9);
    assertThat(HOST_DRIVER.iommuGroups().get(9).claimed()).isTrue();
    assertThat(HOST.iommuGroups().get(1).claimed()).isFalse();
  }
}
