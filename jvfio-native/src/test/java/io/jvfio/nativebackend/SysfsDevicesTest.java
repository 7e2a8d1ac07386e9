package io.jvfio.nativebackend;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.client.DeviceNode;
import io.jvfio.client.DeviceNode.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery of vfio devices in fake sysfs trees laid out as Linux's. */
class SysfsDevicesTest {
  private static final String U1 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
  private static final String U2 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002";

  @TempDir Path tmp;

  /**
   * The lab VM as booted: a root port (group 1, pcieport), a PCIe-to-PCI bridge and two edu
   * functions behind it in group 3, then mtty mdevs in groups 4 and 5.
   */
  private FakeSysfs labVm() {
    return new FakeSysfs(tmp)
        .pci("0000:00:03.0", "0x1b36", "0x000c", "pcieport", 1, -1)
        .pci("0000:01:00.0", "0x1b36", "0x000e", null, 3, -1)
        .pci("0000:02:01.0", "0x1234", "0x11e8", "vfio-pci", 3, 0)
        .pci("0000:02:02.0", "0x1234", "0x11e8", "vfio-pci", 3, 1)
        .pci("0000:00:1f.2", "0x8086", "0x2922", "ahci", 2, -1)
        .mdev(U1, "mtty", "mtty-2", "mtty", 4, 2)
        .mdev(U2, "mtty", "mtty-2", "mtty", 5, 3);
  }

  @Test
  void findsTheVfioPciFunctionsAndTheMdevsOfTheLabVm() {
    labVm();
    assertThat(SysfsDevices.scan(tmp))
        .containsExactly(
            new DeviceNode(
                "0000:02:01.0",
                "/dev/vfio/devices/vfio0",
                "/dev/vfio/3",
                Kind.PCI,
                0x1234,
                0x11e8,
                "vfio-pci"),
            new DeviceNode(
                "0000:02:02.0",
                "/dev/vfio/devices/vfio1",
                "/dev/vfio/3",
                Kind.PCI,
                0x1234,
                0x11e8,
                "vfio-pci"),
            new DeviceNode(
                U1, "/dev/vfio/devices/vfio2", "/dev/vfio/4", Kind.MDEV, 0, 0, "mdev:mtty/mtty-2"),
            new DeviceNode(
                U2, "/dev/vfio/devices/vfio3", "/dev/vfio/5", Kind.MDEV, 0, 0, "mdev:mtty/mtty-2"));
    assertThat(SysfsDevices.scanWithProblems(tmp).problems()).isEmpty();
  }

  @Test
  void ordersByCdevNumberWhenEveryDeviceHasOne() {
    new FakeSysfs(tmp)
        .pci("0000:00:04.0", "0x1b36", "0x0002", "vfio-pci", 1, 1)
        .pci("0000:00:05.0", "0x1b36", "0x0002", "vfio-pci", 2, 0)
        .mdev(U1, "mtty", "mtty-2", "mtty", 9, 10);
    assertThat(SysfsDevices.scan(tmp))
        .extracting(DeviceNode::name)
        .containsExactly("0000:00:05.0", "0000:00:04.0", U1);
  }

  @Test
  void aVariantDriverIsAVfioDeviceUnderItsOwnName() {
    new FakeSysfs(tmp).pci("0000:3b:00.1", "0x15b3", "0x101e", "mlx5_vfio_pci", 7, 0);
    DeviceNode d = SysfsDevices.scan(tmp).getFirst();
    assertThat(d.driver()).isEqualTo("mlx5_vfio_pci");
    assertThat(d.kind()).isEqualTo(Kind.PCI);
  }

  @Test
  void anOldKernelWithoutCdevsGivesGroupsOnlyAndOrdersByAddress() {
    new FakeSysfs(tmp)
        .pci("0000:02:00.0", "0x10de", "0x1eb8", "vfio-pci", 12, -1)
        .pci("0000:01:00.0", "0x10de", "0x1eb8", "vfio-pci", 11, -1)
        .mdev(U1, "mtty", "mtty-2", "mtty", 13, -1);
    List<DeviceNode> found = SysfsDevices.scan(tmp);
    assertThat(found)
        .extracting(DeviceNode::name)
        .containsExactly("0000:01:00.0", "0000:02:00.0", U1);
    assertThat(found).extracting(DeviceNode::cdevPath).containsOnlyNulls();
    assertThat(found)
        .extracting(DeviceNode::groupPath)
        .containsExactly("/dev/vfio/11", "/dev/vfio/12", "/dev/vfio/13");
  }

  @Test
  void aNoiommuGroupHasItsPrefixedNodeButAnMdevGroupOfTheSameNameHasNot() {
    new FakeSysfs(tmp)
        .pci("0000:00:04.0", "0x1b36", "0x0002", "vfio-pci", 0, 0)
        .noiommu(0)
        .mdev(U1, "mtty", "mtty-2", "mtty", 1, 1);
    assertThat(SysfsDevices.scan(tmp))
        .extracting(DeviceNode::groupPath)
        .containsExactly("/dev/vfio/noiommu-0", "/dev/vfio/1");
  }

  @Test
  void withoutClassEntriesTheGroupNameTellsNoiommu() throws Exception {
    new FakeSysfs(tmp)
        .pci("0000:00:04.0", "0x1b36", "0x0002", "vfio-pci", 0, 0)
        .noiommu(0)
        .mdev(U1, "mtty", "mtty-2", "mtty", 1, 1);
    deleteTree(tmp.resolve("class/vfio"));
    assertThat(SysfsDevices.scan(tmp))
        .extracting(DeviceNode::groupPath)
        .containsExactly("/dev/vfio/noiommu-0", "/dev/vfio/1");
  }

  @Test
  void hostDriversAndUnboundMdevsAreNotVfioDevices() {
    new FakeSysfs(tmp)
        .pci("0000:00:1f.2", "0x8086", "0x2922", "ahci", 2, -1)
        .pci("0000:00:02.0", "0x8086", "0x3e92", null, 1, -1)
        .mdev(U1, "mtty", "mtty-2", null, -1, -1);
    assertThat(SysfsDevices.scanWithProblems(tmp).devices()).isEmpty();
    assertThat(SysfsDevices.scanWithProblems(tmp).problems()).isEmpty();
  }

  @Test
  void brokenLinksLeaveTheDeviceOutWithASentence() {
    FakeSysfs fs =
        new FakeSysfs(tmp)
            .pci("0000:00:04.0", "0x1b36", "0x0002", "vfio-pci", 1, 0)
            .pci("0000:00:05.0", "0x1b36", "0x0002", "vfio-pci", 2, 1)
            .mdev(U1, "mtty", "mtty-2", "mtty", 3, 2);
    Path f5 = tmp.resolve("devices/pci0000:00/0000:00:05.0");
    FakeSysfs.link(f5.resolve("iommu_group"), "../../../kernel/iommu_groups/not-a-group");
    Path m = tmp.resolve("devices/virtual/mtty/mtty/" + U1);
    FakeSysfs.link(m.resolve("mdev_type"), "../mdev_supported_types/gone/gone");
    SysfsDevices.Scan scan = SysfsDevices.scanWithProblems(tmp);
    assertThat(scan.devices()).extracting(DeviceNode::name).containsExactly("0000:00:04.0");
    assertThat(scan.problems())
        .containsExactly(
            "0000:00:05.0 (vfio-pci): its iommu_group link points at"
                + " ../../../kernel/iommu_groups/not-a-group, not a group number",
            U1 + " (mdev): its mdev_type link is broken");
    assertThat(fs.root).isEqualTo(tmp);
  }

  @Test
  void aMissingGroupLinkOrIdFileIsAProblem() throws Exception {
    new FakeSysfs(tmp)
        .pci("0000:00:04.0", "0x1b36", "0x0002", "vfio-pci", -1, 0)
        .pci("0000:00:05.0", "0x1b36", "0x0002", "vfio-pci", 2, 1);
    Files.delete(tmp.resolve("devices/pci0000:00/0000:00:05.0/vendor"));
    assertThat(SysfsDevices.scanWithProblems(tmp).problems())
        .containsExactly(
            "0000:00:04.0 (vfio-pci): it has no iommu_group link",
            "0000:00:05.0 (vfio-pci): cannot read vendor");
  }

  @Test
  void pciDriverNamesTheBoundDriverOrSaysNoneOrAbsent() {
    labVm();
    assertThat(SysfsDevices.pciDriver(tmp, "0000:00:1f.2")).isEqualTo("ahci");
    assertThat(SysfsDevices.pciDriver(tmp, "0000:02:01.0")).isEqualTo("vfio-pci");
    assertThat(SysfsDevices.pciDriver(tmp, "0000:00:03.0")).isEqualTo("pcieport");
    assertThat(SysfsDevices.pciDriver(tmp, "0000:01:00.0")).isEqualTo("none");
    assertThat(SysfsDevices.pciDriver(tmp, "0000:09:00.0")).isEqualTo("absent");
  }

  @Test
  void whyEmptyNamesTheFirstMissingPiece() {
    assertThat(SysfsDevices.whyEmpty(tmp.resolve("nothing")))
        .isEqualTo(tmp.resolve("nothing") + " has no bus directory: sysfs is not mounted there");
    new FakeSysfs(tmp).pci("0000:00:1f.2", "0x8086", "0x2922", "ahci", 2, -1);
    assertThat(SysfsDevices.whyEmpty(tmp))
        .isEqualTo("vfio-pci is not loaded (modprobe vfio-pci), and no mdev parent is registered");
    new FakeSysfs(tmp).mkdirs("bus/pci/drivers/vfio-pci");
    assertThat(SysfsDevices.whyEmpty(tmp))
        .startsWith("no PCI function is bound to vfio-pci or a vfio variant driver");
  }

  @Test
  void thisMachinesSysfsScansWithoutError() {
    // whatever this machine has, a scan of the real tree reads it without throwing
    SysfsDevices.Scan scan = SysfsDevices.scanWithProblems(Path.of("/sys"));
    assertThat(scan.devices()).allSatisfy(d -> assertThat(d.groupPath()).startsWith("/dev/vfio/"));
  }

  private static void deleteTree(Path p) throws Exception {
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }
}
