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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ownership outcome matrix of spec 8.5 on the cdev path (zero-length array, proven through the
 * caller's iommufd), and the group-path rule: every dev_set member's group must be passed, opened
 * or not. INFO's DEV_ID_OWNED is checked against the outcome each time (QEMU's oracle).
 */
class HotResetOwnershipTest {

  /** The caller is 02:00.0 bound to {@code ictx} in {@code p}; this puts 02:01.0 in a state. */
  enum Sibling {
    BOUND_TO_THE_SAME_IOMMUFD(true) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        cdevBound(p, host, BUS_B, ictx);
      }
    },
    GROUP_PATH_ON_THE_SAME_IOMMUFD(true) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        compat(p, BUS_B_GROUP, ictx, BUS_B);
      }
    },
    NOT_OPENED(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {}
    },
    OPENED_THEN_CLOSED(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        assertThat(p.close(cdevBound(p, host, BUS_B, ictx))).isZero();
      }
    },
    BOUND_TO_ANOTHER_IOMMUFD(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        cdevBound(p, host, BUS_B, openIommufdOk(p));
      }
    },
    BOUND_BY_ANOTHER_PROCESS(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        HostProcess q = host.process("other");
        cdevBound(q, host, BUS_B, openIommufdOk(q));
      }
    },
    GROUP_PATH_ON_ANOTHER_IOMMUFD(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        compat(p, BUS_B_GROUP, openIommufdOk(p), BUS_B);
      }
    },
    IN_A_LEGACY_CONTAINER(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        legacy(p, BUS_B_GROUP, BUS_B);
      }
    },
    GROUP_OPEN_WITHOUT_DEVICE(false) {
      @Override
      void setUp(Host host, HostProcess p, int ictx) {
        setContainer(p, openGroupOk(p, BUS_B_GROUP), ictx);
      }
    };

    final boolean owned;

    Sibling(boolean owned) {
      this.owned = owned;
    }

    abstract void setUp(Host host, HostProcess p, int ictx);
  }

  @ParameterizedTest
  @EnumSource(Sibling.class)
  void theCdevPathNeedsEveryMemberProvenThroughTheCallersIommufd(Sibling sibling) {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      sibling.setUp(host, p, ictx);
      Info info = infoOk(p, a);
      assertThat(info.flags()).isEqualTo(sibling.owned ? BOTH : DEV_ID);
      assertThat(info.ids().get(1) == NOT_OWNED).isEqualTo(!sibling.owned);
      List<Integer> before = resets(host, BUS_A, BUS_B);
      int ret = hotReset(p, a);
      assertThat(ret).isEqualTo(sibling.owned ? 0 : EINVAL);
      int d = sibling.owned ? 1 : 0;
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(before.get(0) + d, before.get(1) + d);
    }
  }

  @Test
  void anUnopenedMemberOfAnIommuGroupWithABoundDeviceIsOwned() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, PAIR_A, ictx);
      assertThat(infoOk(p, a).ids()).containsExactly(devidOf(host, PAIR_A), OWNED);
      assertThat(hotReset(p, a)).isZero();
      assertThat(resets(host, PAIR_A, PAIR_B)).containsExactly(1, 1);
      // bound too: a real devid, and still owned
      int b = cdevBound(p, host, PAIR_B, ictx);
      assertThat(infoOk(p, b).ids()).containsExactly(devidOf(host, PAIR_A), devidOf(host, PAIR_B));
      assertThat(hotReset(p, b)).isZero();
      // the bound one leaves: the other is again owned through the group
      assertThat(p.close(a)).isZero();
      assertThat(infoOk(p, b).ids()).containsExactly(OWNED, devidOf(host, PAIR_B));
      assertThat(hotReset(p, b)).isZero();
      assertThat(resets(host, PAIR_A, PAIR_B)).containsExactly(3, 3);
    }
  }

  @Test
  void theSlotDeviceAloneIsAlwaysOwned() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int s = cdevBound(p, host, SLOT, openIommufdOk(p));
      int before = device(host, SLOT).resets();
      assertThat(hotReset(p, s)).isZero();
      assertThat(device(host, SLOT).resets()).isEqualTo(before + 1);
      p.close();
      HostProcess q = host.process("legacy");
      GroupDevice g = legacy(q, SLOT_GROUP, SLOT);
      before = device(host, SLOT).resets();
      assertThat(hotReset(q, g.device(), g.group())).isZero();
      assertThat(device(host, SLOT).resets()).isEqualTo(before + 1);
    }
  }

  // ---- group path ----

  @Test
  void theGroupPathNeedsTheGroupOfAnUnopenedMemberInAnotherIommuGroup() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("legacy");
      GroupDevice a = legacy(p, BUS_A_GROUP, BUS_A);
      assertThat(hotReset(p, a.device(), a.group())).isEqualTo(EINVAL);
      // the group opened, no container, no device fd: proof enough
      int g6 = openGroupOk(p, BUS_B_GROUP);
      assertThat(device(host, BUS_B).openCount()).isZero();
      assertThat(hotReset(p, a.device(), a.group(), g6)).isZero();
      assertThat(hotReset(p, a.device(), g6, a.group())).isZero();
      // the caller's own group is needed too
      assertThat(hotReset(p, a.device(), g6)).isEqualTo(EINVAL);
      assertThat(hotReset(p, a.device(), g6, g6)).isEqualTo(EINVAL);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2);
    }
  }

  @Test
  void theGroupPathDoesNotCareWhichContainerAMemberIsIn() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("legacy");
      GroupDevice a = legacy(p, BUS_A_GROUP, BUS_A);
      GroupDevice b = legacy(p, BUS_B_GROUP, BUS_B); // a container of its own
      assertThat(a.container()).isNotEqualTo(b.container());
      assertThat(hotReset(p, a.device(), a.group(), b.group())).isZero();
      assertThat(hotReset(p, b.device(), b.group(), a.group())).isZero();
      int ictx = openIommufdOk(p);
      p.close(b.device());
      p.close(b.group());
      GroupDevice c = compat(p, BUS_B_GROUP, ictx, BUS_B);
      assertThat(hotReset(p, a.device(), a.group(), c.group())).isZero();
      assertThat(hotReset(p, c.device(), a.group(), c.group())).isZero();
    }
  }

  @Test
  void aMemberInTheCallersIommuGroupNeedsNothingMore() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("legacy");
      GroupDevice a = legacy(p, PAIR_GROUP, PAIR_A);
      assertThat(device(host, PAIR_B).openCount()).isZero();
      assertThat(hotReset(p, a.device(), a.group())).isZero();
      assertThat(resets(host, PAIR_A, PAIR_B)).containsExactly(1, 1);
    }
  }

  @Test
  void aCdevBoundSiblingCannotBeProvenOnTheGroupPath() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("legacy");
      GroupDevice a = legacy(p, BUS_A_GROUP, BUS_A);
      cdevBound(p, host, BUS_B, openIommufdOk(p));
      assertThat(p.open("/dev/vfio/" + BUS_B_GROUP, io.jvfio.uapi.OpenFlags.O_RDWR))
          .isEqualTo(EBUSY);
      assertThat(hotReset(p, a.device(), a.group())).isEqualTo(EINVAL);
      assertThat(hotReset(p, a.device(), a.group(), a.group())).isEqualTo(EINVAL);
    }
  }

  @Test
  void aGroupFdPassedFromAnotherProcessIsProofOfThatGroup() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm1");
      HostProcess q = host.process("vmm2");
      GroupDevice a = legacy(p, BUS_A_GROUP, BUS_A);
      GroupDevice b = legacy(q, BUS_B_GROUP, BUS_B);
      assertThat(p.open("/dev/vfio/" + BUS_B_GROUP, io.jvfio.uapi.OpenFlags.O_RDWR))
          .isEqualTo(EBUSY);
      assertThat(hotReset(p, a.device(), a.group())).isEqualTo(EINVAL);
      int passed = q.passFd(b.group(), p);
      assertThat(passed).isPositive();
      assertThat(hotReset(p, a.device(), a.group(), passed)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }
}
