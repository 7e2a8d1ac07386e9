package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import org.junit.jupiter.api.Test;

/**
 * A vfio-pci function below a bridge on bus 02 belongs to its own bus's dev_set, yet sits in bus
 * 02's reset scope: for bus 02 it is "vfio-pci but in another set" (spec 7.2 step 6, 8.4 step 1),
 * NOT_OWNED and EINVAL even when the same iommufd holds it; it can still reset its own bus.
 */
class HotResetOtherDevSetTest {
  private static final String NESTED_VFIO = "0000:04:00.0";
  private static final int NESTED_GROUP = 11;

  private static Host host() {
    String text =
        DefaultHost.text("default-nested-bridge.topology")
            .replace(
                "function 0000:04:00.0 1000:0030 driver=none group=none",
                "function 0000:04:00.0 1000:0030 driver=vfio-pci group=" + NESTED_GROUP);
    Host host = new Host(Topology.parse(text));
    assertThat(device(host, NESTED_VFIO).devSet()).isNotSameAs(device(host, BUS_A).devSet());
    return host;
  }

  @Test
  void aMemberOfAnotherDevSetIsNotOwnedAndBlocksTheResetOnBothPaths() {
    try (Host host = host()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      cdevBound(p, host, BUS_B, ictx);
      int n = cdevBound(p, host, NESTED_VFIO, ictx);
      Info info = infoOk(p, a);
      assertThat(info.flags()).isEqualTo(DEV_ID);
      assertThat(info.bdfs()).containsExactly(BUS_A, BUS_B, BRIDGE, NESTED_VFIO);
      assertThat(info.ids())
          .containsExactly(devidOf(host, BUS_A), devidOf(host, BUS_B), NOT_OWNED, NOT_OWNED);
      assertThat(hotReset(p, a)).isEqualTo(EINVAL);
      // from below, the scope is just bus 04
      Info below = infoOk(p, n);
      assertThat(below.flags()).isEqualTo(BOTH);
      assertThat(below.entries()).containsExactly(new Entry(devidOf(host, NESTED_VFIO), 0, 4, 0));
      assertThat(hotReset(p, n)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      p.close();
      // the close-time bus reset of bus 02 is impossible too; bus 04's own reset is not
      assertThat(device(host, BUS_A).needsReset()).isTrue();
      assertThat(device(host, BUS_B).needsReset()).isTrue();
      assertThat(device(host, NESTED_VFIO).needsReset()).isFalse();

      HostProcess q = host.process("legacy");
      GroupDevice ga = legacy(q, BUS_A_GROUP, BUS_A);
      GroupDevice gb = legacy(q, BUS_B_GROUP, ga.container(), BUS_B);
      int gn = openGroupOk(q, NESTED_GROUP);
      Info g = infoOk(q, ga.device());
      assertThat(g.ids()).containsExactly(BUS_A_GROUP, BUS_B_GROUP, 10, NESTED_GROUP);
      assertThat(hotReset(q, ga.device(), ga.group(), gb.group(), gn)).isEqualTo(EINVAL);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
    }
  }
}
