package io.jvfio.host.vfio;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.pci.PciDev;
import io.jvfio.host.pci.PciTree;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shapes the hot-reset cases of the spec need are present on the default host's variants. */
class DefaultHostVariantsTest {
  private static List<String> scope(Host host, String bdf) {
    PciDev d = host.device(bdf).orElseThrow().pci();
    return PciTree.resetScope(d).orElseThrow().stream().map(PciDev::name).toList();
  }

  @Test
  void theDefaultHostHasEveryBasicShape() {
    Host host = new Host(DefaultHost.topology());
    assertThat(PciTree.resetScope(host.device(DefaultHost.ROOT_BUS_DEVICE).orElseThrow().pci()))
        .isEmpty();
    assertThat(scope(host, DefaultHost.SLOT_DEVICE)).containsExactly(DefaultHost.SLOT_DEVICE);
    assertThat(scope(host, DefaultHost.BUS_DEVICE_A))
        .containsExactly(DefaultHost.BUS_DEVICE_A, DefaultHost.BUS_DEVICE_B);
    VfioDevice a = host.device(DefaultHost.BUS_DEVICE_A).orElseThrow();
    VfioDevice b = host.device(DefaultHost.BUS_DEVICE_B).orElseThrow();
    assertThat(a.devSet()).isSameAs(b.devSet());
    assertThat(a.iommuGroup()).isNotSameAs(b.iommuGroup());
    VfioDevice p = host.device(DefaultHost.GROUP_PAIR_A).orElseThrow();
    VfioDevice q = host.device(DefaultHost.GROUP_PAIR_B).orElseThrow();
    assertThat(p.iommuGroup()).isSameAs(q.iommuGroup());
  }

  @Test
  void theHostDriverVariantPutsANonVfioFunctionWithAGroupInTheBusScope() {
    Host host = new Host(DefaultHost.withHostDriver());
    assertThat(scope(host, DefaultHost.BUS_DEVICE_A))
        .containsExactly(
            DefaultHost.BUS_DEVICE_A, DefaultHost.BUS_DEVICE_B, DefaultHost.HOST_DRIVER_DEVICE);
    assertThat(host.device(DefaultHost.HOST_DRIVER_DEVICE)).isEmpty();
    assertThat(host.iommuGroups().get(9).claimed()).isTrue();
  }

  @Test
  void theNestedBridgeVariantPutsABridgeASubordinateBusAndAGrouplessFunctionInScope() {
    Host host = new Host(DefaultHost.withNestedBridge());
    assertThat(scope(host, DefaultHost.BUS_DEVICE_A))
        .containsExactly(
            DefaultHost.BUS_DEVICE_A,
            DefaultHost.BUS_DEVICE_B,
            DefaultHost.NESTED_BRIDGE,
            DefaultHost.GROUPLESS_DEVICE);
    PciDev groupless =
        host.pci().devices().stream()
            .filter(d -> d.name().equals(DefaultHost.GROUPLESS_DEVICE))
            .findFirst()
            .orElseThrow();
    assertThat(groupless.spec().iommuGroup()).isEmpty();
    assertThat(host.device(DefaultHost.BUS_DEVICE_A).orElseThrow().devSet().members()).hasSize(2);
  }
}
