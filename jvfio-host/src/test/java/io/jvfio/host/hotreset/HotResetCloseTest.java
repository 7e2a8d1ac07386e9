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
import io.jvfio.host.sdk.PlainFunction;
import io.jvfio.uapi.vfio.VfioConstants;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The close-time reset of spec 9.1, and VFIO_DEVICE_RESET's device scope (9.2). */
class HotResetCloseTest {
  private static List<Boolean> needsReset(Host host, String... bdfs) {
    return java.util.Arrays.stream(bdfs).map(b -> device(host, b).needsReset()).toList();
  }

  @Test
  void theLastCloseOfTheDevSetDoesTheBusResetAndClearsNeedsResetEverywhere() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      int b = cdevBound(p, host, BUS_B, ictx);
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(false, false);
      assertThat(p.close(a)).isZero();
      // no function reset for 02:00.0, and 02:01.0 is still open: no bus reset
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(true, false);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      assertThat(p.close(b)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(false, false);
    }
  }

  @Test
  void aMemberOpenInAnotherProcessOrThroughTheGroupPathBlocksTheBusReset() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm1");
      HostProcess q = host.process("vmm2");
      int a = cdevBound(p, host, BUS_A, openIommufdOk(p));
      cdevBound(q, host, BUS_B, openIommufdOk(q));
      assertThat(p.close(a)).isZero();
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(true, false);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      q.close();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(false, false);

      // group path: two device fds of 02:00.0 count twice; only the last close disables it
      HostProcess r = host.process("legacy");
      GroupDevice g = legacy(r, BUS_A_GROUP, BUS_A);
      int second = getDeviceFd(r, g.group(), BUS_A);
      assertThat(second).isPositive();
      assertThat(device(host, BUS_A).openCount()).isEqualTo(2);
      assertThat(r.close(g.device())).isZero();
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(false, false);
      assertThat(r.close(second)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2);
      assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(false, false);
    }
  }

  @Test
  void aFunctionResetAtCloseClearsItsOwnNeedsResetAndAvoidsTheBusReset() {
    try (Host host =
        busHost(new boolean[] {true, true}, new PlainFunction(), new PlainFunction())) {
      String f0 = busHostBdf(0);
      String f1 = busHostBdf(1);
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int d0 = cdevBound(p, host, f0, ictx);
      int d1 = cdevBound(p, host, f1, ictx);
      assertThat(resets(host, f0, f1)).as("function reset at open").containsExactly(1, 1);
      assertThat(p.close(d0)).isZero();
      assertThat(p.close(d1)).isZero();
      // each close reset its function and nothing needed the bus reset
      assertThat(resets(host, f0, f1)).containsExactly(2, 2);
      assertThat(needsReset(host, f0, f1)).containsExactly(false, false);
    }
  }

  @Test
  void aMemberWithoutFunctionResetGetsTheBusResetWhichResetsEveryone() {
    try (Host host =
        busHost(new boolean[] {true, false}, new PlainFunction(), new PlainFunction())) {
      String f0 = busHostBdf(0);
      String f1 = busHostBdf(1);
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int d0 = cdevBound(p, host, f0, ictx);
      int d1 = cdevBound(p, host, f1, ictx);
      assertThat(resets(host, f0, f1)).containsExactly(1, 0);
      assertThat(p.close(d1)).isZero();
      // 0000:01:01.0 has no function reset and 0000:01:00.0 is open
      assertThat(resets(host, f0, f1)).containsExactly(1, 0);
      assertThat(needsReset(host, f0, f1)).containsExactly(false, true);
      assertThat(p.close(d0)).isZero();
      // the function reset of 01:00.0, then the bus reset of both
      assertThat(resets(host, f0, f1)).containsExactly(3, 1);
      assertThat(needsReset(host, f0, f1)).containsExactly(false, false);
    }
  }

  @Test
  void noBusResetAtCloseWhenTheScopeHoldsANonMember() {
    for (Host host : List.of(hostDriverHost(), nestedHost())) {
      try (host) {
        HostProcess p = host.process("vmm");
        int ictx = openIommufdOk(p);
        cdevBound(p, host, BUS_A, ictx);
        cdevBound(p, host, BUS_B, ictx);
        p.close();
        assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
        assertThat(needsReset(host, BUS_A, BUS_B)).containsExactly(true, true);
      }
    }
  }

  @Test
  void vfioDeviceResetIsDeviceScopedAndEinvalWithoutAFunctionReset() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      int b = cdevBound(p, host, BUS_B, ictx);
      int pair = cdevBound(p, host, PAIR_A, ictx);
      int slot = cdevBound(p, host, SLOT, ictx);
      for (int fd : new int[] {a, b, pair}) {
        assertThat(deviceReset(p, fd)).isEqualTo(EINVAL);
        assertThat(deviceInfoFlags(p, fd)).isEqualTo(VfioConstants.VFIO_DEVICE_FLAGS_PCI);
      }
      assertThat(deviceInfoFlags(p, slot))
          .isEqualTo(VfioConstants.VFIO_DEVICE_FLAGS_PCI | VfioConstants.VFIO_DEVICE_FLAGS_RESET);
      List<Integer> before = resets(host, SLOT, BUS_A, BUS_B, PAIR_A, PAIR_B);
      assertThat(deviceReset(p, slot)).isZero();
      assertThat(resets(host, SLOT, BUS_A, BUS_B, PAIR_A, PAIR_B))
          .containsExactly(before.get(0) + 1, 0, 0, 0, 0);
      // a hot reset is possible where VFIO_DEVICE_RESET is not
      assertThat(hotReset(p, a)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }

  @Test
  void vfioDeviceResetOnABusWithFunctionResetTouchesOnlyThatFunction() {
    try (Host host =
        busHost(new boolean[] {true, false}, new PlainFunction(), new PlainFunction())) {
      String f0 = busHostBdf(0);
      String f1 = busHostBdf(1);
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int d0 = cdevBound(p, host, f0, ictx);
      int d1 = cdevBound(p, host, f1, ictx);
      assertThat(deviceReset(p, d0)).isZero();
      assertThat(deviceReset(p, d1)).isEqualTo(EINVAL);
      assertThat(resets(host, f0, f1)).containsExactly(2, 0);
      assertThat(needsReset(host, f0, f1)).containsExactly(false, false);
    }
  }
}
