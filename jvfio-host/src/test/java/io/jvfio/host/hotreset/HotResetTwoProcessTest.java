package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import org.junit.jupiter.api.Test;

/** Hot reset across processes: a shared bus with one VMM per device, and a passed device fd. */
class HotResetTwoProcessTest {

  @Test
  void twoVmmsSharingABusCanNeitherResetIt() {
    try (Host host = defaultHost()) {
      HostProcess vmm1 = host.process("vmm1");
      HostProcess vmm2 = host.process("vmm2");
      int a = cdevBound(vmm1, host, BUS_A, openIommufdOk(vmm1));
      int b = cdevBound(vmm2, host, BUS_B, openIommufdOk(vmm2));
      Info i1 = infoOk(vmm1, a);
      Info i2 = infoOk(vmm2, b);
      assertThat(i1.flags()).isEqualTo(DEV_ID);
      assertThat(i2.flags()).isEqualTo(DEV_ID);
      assertThat(i1.ids()).containsExactly(devidOf(host, BUS_A), NOT_OWNED);
      assertThat(i2.ids()).containsExactly(NOT_OWNED, devidOf(host, BUS_B));
      assertThat(i1.bdfs()).isEqualTo(i2.bdfs()).containsExactly(BUS_A, BUS_B);
      assertThat(hotReset(vmm1, a)).isEqualTo(EINVAL);
      assertThat(hotReset(vmm2, b)).isEqualTo(EINVAL);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      // once one VMM is gone, the other owns the bus only through an unopened sibling: still no
      vmm2.close();
      assertThat(infoOk(vmm1, a).ids()).containsExactly(devidOf(host, BUS_A), NOT_OWNED);
      assertThat(hotReset(vmm1, a)).isEqualTo(EINVAL);
      // binding the sibling to its own iommufd is what proves it
      cdevBound(vmm1, host, BUS_B, openIommufdOk(vmm1));
      assertThat(hotReset(vmm1, a)).isEqualTo(EINVAL);
    }
  }

  @Test
  void aPassedDeviceFdCarriesItsBindingAndItsOwnershipProof() {
    try (Host host = defaultHost()) {
      HostProcess opener = host.process("opener");
      HostProcess vmm = host.process("vmm");
      int ictx = openIommufdOk(opener);
      int a = cdevBound(opener, host, BUS_A, ictx);
      cdevBound(opener, host, BUS_B, ictx);
      int passed = opener.passFd(a, vmm);
      assertThat(passed).isGreaterThanOrEqualTo(3);
      assertThat(vmm.describe(passed)).isEqualTo(device(host, BUS_A).cdevPath());

      Info info = infoOk(vmm, passed);
      assertThat(info.flags()).isEqualTo(BOTH);
      assertThat(info.ids()).containsExactly(devidOf(host, BUS_A), devidOf(host, BUS_B));
      assertThat(hotReset(vmm, passed)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);

      // the opener's own fd goes: the open file (and its binding) lives on in the VMM
      assertThat(opener.close(a)).isZero();
      assertThat(device(host, BUS_A).openCount()).isEqualTo(1);
      assertThat(hotReset(vmm, passed)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2);

      // the opener exits: 02:01.0 closes, and the VMM can no longer prove it
      opener.close();
      assertThat(device(host, BUS_B).openCount()).isZero();
      Info after = infoOk(vmm, passed);
      assertThat(after.flags()).isEqualTo(DEV_ID);
      assertThat(after.ids()).containsExactly(devidOf(host, BUS_A), NOT_OWNED);
      assertThat(hotReset(vmm, passed)).isEqualTo(EINVAL);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2);
    }
  }

  @Test
  void aPassedGroupPathDeviceFdStillNeedsTheGroupFdsInTheReceiver() {
    try (Host host = defaultHost()) {
      HostProcess opener = host.process("opener");
      HostProcess vmm = host.process("vmm");
      GroupDevice a = legacy(opener, BUS_A_GROUP, BUS_A);
      int g6 = openGroupOk(opener, BUS_B_GROUP);
      int dev = opener.passFd(a.device(), vmm);
      assertThat(hotReset(vmm, dev)).isEqualTo(EINVAL);
      int ga = opener.passFd(a.group(), vmm);
      int gb = opener.passFd(g6, vmm);
      assertThat(hotReset(vmm, dev, ga, gb)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }
}
