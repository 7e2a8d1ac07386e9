package io.jvfio.host.legacy;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.Topology;
import io.jvfio.uapi.Errno;
import org.junit.jupiter.api.Test;

/**
 * A host driver with {@code driver_managed_dma} (pcieport, pci-stub) bound to a member of an IOMMU
 * group does not claim its DMA, so vfio-pci endpoints of the same group stay usable; any other host
 * driver takes the default domain and makes the group non-viable.
 */
class DriverManagedDmaTest {
  private static final String A = "0000:01:00.0";
  private static final String B = "0000:01:00.1";

  /** A root port in one IOMMU group with the two functions below it; {@code port} drives it. */
  private static Host portSharingGroup(String port) {
    return new Host(
        Topology.parse(
            "bridge   0000:00:1c.0 8086:a110 secondary=01 group=1 driver="
                + port
                + "\n"
                + "function "
                + A
                + " 1234:11e8 driver=vfio-pci group=1\n"
                + "function "
                + B
                + " 1234:11e8 driver=vfio-pci group=1\n"));
  }

  private static int openBound(Host h, HostProcess p, String bdf, int iommufd) {
    int dev = p.open(cdev(h, bdf), RDWR);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    return bindRaw(p, dev, iommufd);
  }

  @Test
  void aGroupWithAPcieportBoundPortIsViableAndJoinsAContainer() {
    Host h = portSharingGroup("host:pcieport");
    HostProcess p = h.process("vmm");
    int g = openGroup(p, 1);
    assertThat(groupFlags(p, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(getDeviceFd(p, g, A)).isGreaterThanOrEqualTo(0);
    assertThat(getDeviceFd(p, g, B)).isGreaterThanOrEqualTo(0);
  }

  @Test
  void endpointsBehindAPcieportBoundPortBindToAnIommufd() {
    Host h = portSharingGroup("host:pcieport");
    HostProcess p = h.process("vmm");
    int iommufd = openIommufd(p);
    assertThat(openBound(h, p, A, iommufd)).isZero();
    assertThat(openBound(h, p, B, iommufd)).isZero();
  }

  @Test
  void pciStubManagesDmaToo() {
    HostProcess p = portSharingGroup("host:pci-stub").process("vmm");
    assertThat(groupFlags(p, openGroup(p, 1))).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
  }

  @Test
  void aHostDriverWithoutDriverManagedDmaMakesTheGroupNonViable() {
    Host h = portSharingGroup("host:shpchp");
    HostProcess p = h.process("vmm");
    int g = openGroup(p, 1);
    assertThat(groupFlags(p, g)).isZero();
    assertThat(setContainer(p, g, openContainer(p))).isEqualTo(Errno.EPERM.negative());
    assertThat(p.close(g)).isZero();
    assertThat(openBound(h, p, A, openIommufd(p))).isEqualTo(Errno.EPERM.negative());
  }

  @Test
  void onlyTheDriversThatSetTheFlagManageDma() {
    assertThat(new Driver.Host("pcieport").driverManagedDma()).isTrue();
    assertThat(new Driver.Host("pci-stub").driverManagedDma()).isTrue();
    assertThat(new Driver.Host("igb").driverManagedDma()).isFalse();
    assertThat(new Driver.Host("pci-host").driverManagedDma()).isFalse();
  }
}
