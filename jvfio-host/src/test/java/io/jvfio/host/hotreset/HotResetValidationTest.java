package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.host.testkit.Kit.openOk;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** VFIO_DEVICE_PCI_HOT_RESET: the validation order of spec 8.1 and 8.2, first failure wins. */
class HotResetValidationTest {
  private static final long SEED = 0x0bad_f00dL;

  /** The bus 02 functions of {@code host} opened through their groups in one container. */
  private record Legacy(HostProcess p, GroupDevice a, GroupDevice b) {}

  private static Legacy legacyBus(Host host) {
    HostProcess p = host.process("legacy");
    GroupDevice a = legacy(p, BUS_A_GROUP, BUS_A);
    GroupDevice b = legacy(p, BUS_B_GROUP, a.container(), BUS_B);
    return new Legacy(p, a, b);
  }

  @Test
  void theHeaderMustBeReadableThenArgszAtLeastTwelveAndFlagsZero() {
    Random rnd = new Random(SEED);
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      cdevBound(p, host, BUS_B, ictx);
      assertThat(p.ioctl(a, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, MemorySegment.NULL))
          .isEqualTo(EFAULT);
      assertThat(hotResetRaw(p, a, resetArg(12, 0, 0, 8))).isEqualTo(EFAULT);
      for (int argsz = 0; argsz < 12; argsz++) {
        assertThat(hotResetRaw(p, a, resetArg(argsz, 0, 0, 12)))
            .as("argsz %d", argsz)
            .isEqualTo(EINVAL);
      }
      for (int bit = 0; bit < 32; bit++) {
        assertThat(hotResetRaw(p, a, resetArg(12, 1 << bit, 0, 12)))
            .as("flag bit %d", bit)
            .isEqualTo(EINVAL);
      }
      for (int i = 0; i < 20; i++) {
        int flags = rnd.nextInt() | 1 << rnd.nextInt(32);
        assertThat(hotResetRaw(p, a, resetArg(12, flags, 0, 12))).isEqualTo(EINVAL);
      }
      // nothing was reset by any of these
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      // the same header with flags 0 works: everything is owned
      assertThat(hotResetRaw(p, a, resetArg(12, 0, 0, 12))).isZero();
      // a larger argsz is not checked against anything
      assertThat(hotResetRaw(p, a, resetArg(4096, 0, 0, 12))).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2);
    }
  }

  @Test
  void theZeroLengthRuleRunsBothWays() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      cdevBound(p, host, BUS_B, ictx);
      // a cdev caller may not pass fds, not even a valid group fd of something unrelated
      int slotGroup = openGroupOk(p, SLOT_GROUP);
      assertThat(hotReset(p, a, slotGroup)).isEqualTo(EINVAL);
      assertThat(hotReset(p, a, ictx)).isEqualTo(EINVAL);
      assertThat(hotReset(p, a)).isZero();
      p.close();

      Legacy l = legacyBus(host);
      assertThat(hotReset(l.p(), l.a().device())).isEqualTo(EINVAL);
      assertThat(hotReset(l.p(), l.a().device(), l.a().group(), l.b().group())).isZero();
    }
  }

  @Test
  void aGroupCallerWithAnIommufdContainerStillNeedsGroupFds() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      GroupDevice a = compat(p, BUS_A_GROUP, ictx, BUS_A);
      GroupDevice b = compat(p, BUS_B_GROUP, ictx, BUS_B);
      assertThat(hotReset(p, a.device())).isEqualTo(EINVAL);
      assertThat(hotReset(p, a.device(), a.group(), b.group())).isZero();
    }
  }

  @Test
  void argszFlagsAndTheZeroLengthRuleComeBeforeEnodevOnARootBusDevice() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int cdev = cdevBound(p, host, ROOT, openIommufdOk(p));
      assertThat(hotResetRaw(p, cdev, resetArg(11, 0, 0, 12))).isEqualTo(EINVAL);
      assertThat(hotResetRaw(p, cdev, resetArg(12, 2, 0, 12))).isEqualTo(EINVAL);
      assertThat(hotResetRaw(p, cdev, resetArg(16, 0, 1, 16, 1))).isEqualTo(EINVAL);
      assertThat(hotReset(p, cdev)).isEqualTo(ENODEV);
      p.close();

      HostProcess q = host.process("legacy");
      GroupDevice g = legacy(q, ROOT_GROUP, ROOT);
      int resets = device(host, ROOT).resets();
      assertThat(hotResetRaw(q, g.device(), resetArg(11, 0, 1, 16, g.group()))).isEqualTo(EINVAL);
      assertThat(hotResetRaw(q, g.device(), resetArg(16, 8, 1, 16, g.group()))).isEqualTo(EINVAL);
      assertThat(hotReset(q, g.device())).isEqualTo(EINVAL);
      assertThat(hotReset(q, g.device(), g.group())).isEqualTo(ENODEV);
      // ENODEV before the fds are looked at: a garbage fd and an unreadable array
      assertThat(hotReset(q, g.device(), 999)).isEqualTo(ENODEV);
      assertThat(hotResetRaw(q, g.device(), resetArg(16, 0, 1, 12))).isEqualTo(ENODEV);
      assertThat(device(host, ROOT).resets()).isEqualTo(resets);
    }
  }

  @Test
  void aCountAboveTheScopeSizeIsEinvalBeforeAnyFdIsRead() {
    try (Host host = defaultHost()) {
      Legacy l = legacyBus(host);
      HostProcess p = l.p();
      int dev = l.a().device();
      // scope of bus 02 is 2 functions
      assertThat(hotReset(p, dev, 999, -1, 12345)).isEqualTo(EINVAL);
      assertThat(hotReset(p, dev, l.a().group(), l.b().group(), l.a().group())).isEqualTo(EINVAL);
      // not even the array's memory is touched
      assertThat(hotResetRaw(p, dev, resetArg(12, 0, 3, 12))).isEqualTo(EINVAL);
      assertThat(hotResetRaw(p, dev, resetArg(12, 0, 0xffff_ffffL, 12))).isEqualTo(EINVAL);
      assertThat(hotResetRaw(p, dev, resetArg(12, 0, 0x4000_0001L, 12))).isEqualTo(EINVAL);
      // within the budget, a short array faults
      assertThat(hotResetRaw(p, dev, resetArg(20, 0, 2, 16, l.a().group()))).isEqualTo(EFAULT);
      assertThat(hotResetRaw(p, dev, resetArg(20, 0, 1, 12))).isEqualTo(EFAULT);
      // argsz is not checked against count: 12 with two fds in memory works
      assertThat(hotResetRaw(p, dev, resetArg(12, 0, 2, 20, l.a().group(), l.b().group())))
          .isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }

  @Test
  void fdsAreCheckedInArrayOrderEbadfForAClosedFdEinvalForANonGroupFile() {
    try (Host host = defaultHost()) {
      Legacy l = legacyBus(host);
      HostProcess p = l.p();
      int dev = l.a().device();
      int devNull = openOk(p, "/dev/null");
      int ictx = openIommufdOk(p);
      int otherContainer = openContainerOk(p);
      int dup = p.dup(l.a().group());
      assertThat(dup).isPositive();
      int closed = openOk(p, "/dev/null");
      assertThat(p.close(closed)).isZero();

      assertThat(hotReset(p, dev, closed)).isEqualTo(EBADF);
      assertThat(hotReset(p, dev, -1)).isEqualTo(EBADF);
      assertThat(hotReset(p, dev, 1_000_000)).isEqualTo(EBADF);
      for (int notAGroup :
          new int[] {dev, l.b().device(), l.a().container(), otherContainer, ictx, devNull}) {
        assertThat(hotReset(p, dev, notAGroup))
            .as("fd %s", p.describe(notAGroup))
            .isEqualTo(EINVAL);
        // first failure wins
        assertThat(hotReset(p, dev, notAGroup, closed)).isEqualTo(EINVAL);
        assertThat(hotReset(p, dev, closed, notAGroup)).isEqualTo(EBADF);
        assertThat(hotReset(p, dev, l.a().group(), notAGroup)).isEqualTo(EINVAL);
      }
      assertThat(hotReset(p, dev, l.a().group(), closed)).isEqualTo(EBADF);
      // a dup of a group fd is the same group file
      assertThat(hotReset(p, dev, dup, l.b().group())).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }

  @Test
  void duplicateAndUnrelatedGroupFdsOnlyUseUpTheCountBudget() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("legacy");
      // bus 03: two functions of group 8, scope size 2
      GroupDevice pair = legacy(p, PAIR_GROUP, PAIR_A);
      int unrelated = openGroupOk(p, BUS_A_GROUP);
      int slot = openGroupOk(p, SLOT_GROUP);
      int dev = pair.device();
      assertThat(hotReset(p, dev, pair.group())).isZero();
      assertThat(hotReset(p, dev, pair.group(), pair.group())).isZero();
      assertThat(hotReset(p, dev, unrelated, pair.group())).isZero();
      assertThat(hotReset(p, dev, pair.group(), slot)).isZero();
      assertThat(hotReset(p, dev, pair.group(), pair.group(), pair.group())).isEqualTo(EINVAL);
      // unrelated groups alone prove nothing
      assertThat(hotReset(p, dev, unrelated, slot)).isEqualTo(EINVAL);
      assertThat(resets(host, PAIR_A, PAIR_B)).containsExactly(4, 4);
    }
  }

  @Test
  void anOwnershipFailureIsEinvalNeverEperm() {
    try (Host host = defaultHost()) {
      Legacy l = legacyBus(host);
      assertThat(hotReset(l.p(), l.a().device(), l.a().group())).isEqualTo(EINVAL);
      assertThat(hotReset(l.p(), l.a().device(), l.a().group(), l.a().group())).isEqualTo(EINVAL);
      assertThat(hotReset(l.p(), l.b().device(), l.b().group())).isEqualTo(EINVAL);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      l.p().close(); // the close-time bus reset
      HostProcess p = host.process("vmm");
      int a = cdevBound(p, host, BUS_A, openIommufdOk(p));
      assertThat(hotReset(p, a)).isEqualTo(EINVAL);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }

  @Test
  void aScopeWithANonMemberIsEinvalOnBothPathsEvenWhenEverythingElseIsOwned() {
    for (Host host : List.of(hostDriverHost(), nestedHost())) {
      try (host) {
        HostProcess v = host.process("vmm");
        int ictx = openIommufdOk(v);
        int a = cdevBound(v, host, BUS_A, ictx);
        int b = cdevBound(v, host, BUS_B, ictx);
        assertThat(hotReset(v, a)).isEqualTo(EINVAL);
        assertThat(hotReset(v, b)).isEqualTo(EINVAL);
        // the resettable check comes before the memory-lock trylock
        device(host, BUS_A).memoryLock().readLock().lock();
        try {
          assertThat(hotReset(v, a)).isEqualTo(EINVAL);
        } finally {
          device(host, BUS_A).memoryLock().readLock().unlock();
        }
        v.close();

        Legacy l = legacyBus(host);
        int dev = l.a().device();
        assertThat(hotReset(l.p(), dev, l.a().group(), l.b().group())).isEqualTo(EINVAL);
        assertThat(hotReset(l.p(), dev, l.b().group(), l.a().group(), l.b().group()))
            .isEqualTo(EINVAL);
        assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      }
    }
  }
}
