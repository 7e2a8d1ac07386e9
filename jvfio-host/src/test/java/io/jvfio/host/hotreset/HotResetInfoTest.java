package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.host.testkit.Kit.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO (spec 7 and 12.1 to 12.6), byte by byte. */
class HotResetInfoTest {
  private static final long SEED = 0x5eed_4f0aL;

  // ---- ENODEV, EINVAL, EFAULT, ENOSPC ----

  @Test
  void aRootBusDeviceHasNoScopeOnEitherPathAndNothingIsWritten() {
    try (Host host = defaultHost()) {
      for (boolean cdevPath : new boolean[] {true, false}) {
        HostProcess p = host.process("vmm");
        int fd =
            cdevPath
                ? cdevBound(p, host, ROOT, openIommufdOk(p))
                : legacy(p, ROOT_GROUP, ROOT).device();
        MemorySegment arg = infoArg(12 + 8 * 8, 0, 12 + 8 * 8, 0x3c);
        byte[] before = bytes(arg);
        assertThat(infoRaw(p, fd, arg)).isEqualTo(ENODEV);
        assertThat(bytes(arg)).isEqualTo(before);
        // argsz 12 would be ENOSPC for any device with a scope: ENODEV comes first
        arg = infoArg(12, 0, 12, 0);
        assertThat(infoRaw(p, fd, arg)).isEqualTo(ENODEV);
        p.close();
      }
    }
  }

  @Test
  void argszBelowTheHeaderIsEinvalAndAShortBufferIsEfault() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int cdev = cdevBound(p, host, BUS_A, openIommufdOk(p));
      for (int argsz = 0; argsz < 12; argsz++) {
        MemorySegment arg = infoArg(argsz, 0, 32, 0x77);
        byte[] before = bytes(arg);
        assertThat(infoRaw(p, cdev, arg)).as("argsz %d", argsz).isEqualTo(EINVAL);
        assertThat(bytes(arg)).isEqualTo(before);
      }
      // the header itself is not readable
      assertThat(infoRaw(p, cdev, infoArg(12, 0, 8, 0).asSlice(0, 8))).isEqualTo(EFAULT);
      assertThat(
              p.ioctl(
                  cdev,
                  io.jvfio.uapi.vfio.VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
                  MemorySegment.NULL))
          .isEqualTo(EFAULT);
      // argsz promises room the buffer does not have: the entries fault, the header stays
      MemorySegment arg = infoArg(12 + 2 * 8, 0, 12 + 8, 0x66);
      byte[] before = bytes(arg);
      assertThat(infoRaw(p, cdev, arg)).isEqualTo(EFAULT);
      assertThat(bytes(arg)).isEqualTo(before);
    }
  }

  @Test
  void argszTwelveToNineteenHoldNoEntryAndEnospcWritesOnlyTheHeaderWithFlagsZero() {
    Random rnd = new Random(SEED);
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int cdevA = cdevBound(p, host, BUS_A, ictx);
      cdevBound(p, host, BUS_B, ictx); // so that a full reply would carry DEV_ID | DEV_ID_OWNED
      HostProcess q = host.process("legacy");
      int slot = legacy(q, SLOT_GROUP, SLOT).device();
      record Case(HostProcess p, int fd, int needed, int fullFlags) {}
      for (Case c : new Case[] {new Case(p, cdevA, 2, BOTH), new Case(q, slot, 1, 0)}) {
        for (int argsz = 12; argsz < 12 + 8 * c.needed(); argsz++) {
          int inFlags = rnd.nextInt();
          int fill = rnd.nextInt(256);
          MemorySegment arg = infoArg(argsz, inFlags, 64, fill);
          VfioPciHotResetInfo.COUNT.set(arg, rnd.nextInt());
          byte[] before = bytes(arg);
          assertThat(infoRaw(c.p(), c.fd(), arg)).as("argsz %d", argsz).isEqualTo(ENOSPC);
          assertThat(VfioPciHotResetInfo.ARGSZ.getUnsigned(arg)).isEqualTo(argsz);
          assertThat(VfioPciHotResetInfo.FLAGS.get(arg)).isZero();
          assertThat(VfioPciHotResetInfo.COUNT.get(arg)).isEqualTo(c.needed());
          byte[] after = bytes(arg);
          assertThat(Arrays.copyOfRange(after, 12, 64))
              .as("bytes beyond the header")
              .isEqualTo(Arrays.copyOfRange(before, 12, 64));
        }
        // exactly enough room: the reply, argsz still as given
        int argsz = 12 + 8 * c.needed();
        MemorySegment arg = infoArg(argsz, -1, 64, 0xee);
        byte[] before = bytes(arg);
        assertThat(infoRaw(c.p(), c.fd(), arg)).isZero();
        Info i = decode(0, arg);
        assertThat(i.argsz()).isEqualTo(argsz);
        assertThat(i.count()).isEqualTo(c.needed());
        assertThat(i.flags()).isEqualTo(c.fullFlags());
        assertThat(Arrays.copyOfRange(bytes(arg), argsz, 64))
            .isEqualTo(Arrays.copyOfRange(before, argsz, 64));
      }
    }
  }

  @Test
  void aLargerArgszIsNeverUpdatedAndTheTailStaysUntouched() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int cdev = cdevBound(p, host, SLOT, openIommufdOk(p));
      MemorySegment arg = infoArg(200, DEV_ID_OWNED, 200, 0x42);
      assertThat(infoRaw(p, cdev, arg)).isZero();
      assertThat(VfioPciHotResetInfo.ARGSZ.getUnsigned(arg)).isEqualTo(200);
      assertThat(VfioPciHotResetInfo.COUNT.get(arg)).isEqualTo(1);
      byte[] tail = Arrays.copyOfRange(bytes(arg), 20, 200);
      byte[] expected = new byte[180];
      Arrays.fill(expected, (byte) 0x42);
      assertThat(tail).isEqualTo(expected);
    }
  }

  // ---- scopes ----

  @Test
  void aSlotScopeHoldsJustTheSlotFunction() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int cdev = cdevBound(p, host, SLOT, openIommufdOk(p));
      Info i = infoOk(p, cdev);
      assertThat(i.flags()).isEqualTo(BOTH);
      assertThat(i.count()).isEqualTo(1);
      assertThat(i.entries()).containsExactly(new Entry(devidOf(host, SLOT), 0, 1, 0));
      p.close();
      HostProcess q = host.process("legacy");
      Info g = infoOk(q, legacy(q, SLOT_GROUP, SLOT).device());
      assertThat(g.flags()).isZero();
      assertThat(g.entries()).containsExactly(new Entry(SLOT_GROUP, 0, 1, 0));
    }
  }

  @Test
  void aBusScopeHoldsEveryFunctionOfTheBusForAGroupCaller() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("legacy");
      Info i = infoOk(p, legacy(p, BUS_A_GROUP, BUS_A).device());
      assertThat(i.flags()).isZero();
      assertThat(i.entries())
          .containsExactly(new Entry(BUS_A_GROUP, 0, 2, 0x00), new Entry(BUS_B_GROUP, 0, 2, 0x08));
    }
  }

  @Test
  void theHostDriverFunctionIsInScopeWithItsGroupIdForGroupCallersAndNotOwnedForCdev() {
    try (Host host = hostDriverHost()) {
      HostProcess p = host.process("legacy");
      Info g = infoOk(p, legacy(p, BUS_A_GROUP, BUS_A).device());
      assertThat(g.flags()).isZero();
      assertThat(g.bdfs()).containsExactly(BUS_A, BUS_B, HOST_DRIVER);
      assertThat(g.ids()).containsExactly(BUS_A_GROUP, BUS_B_GROUP, HOST_DRIVER_GROUP);
      p.close();

      HostProcess v = host.process("vmm");
      int ictx = openIommufdOk(v);
      int a = cdevBound(v, host, BUS_A, ictx);
      int b = cdevBound(v, host, BUS_B, ictx);
      for (int fd : new int[] {a, b}) {
        Info c = infoOk(v, fd);
        assertThat(c.flags()).as("DEV_ID_OWNED cleared").isEqualTo(DEV_ID);
        assertThat(c.bdfs()).containsExactly(BUS_A, BUS_B, HOST_DRIVER);
        assertThat(c.ids()).containsExactly(devidOf(host, BUS_A), devidOf(host, BUS_B), NOT_OWNED);
        assertThat(c.entries().get(2)).isEqualTo(new Entry(0xffff_ffff, 0, 2, 0x10));
      }
    }
  }

  @Test
  void theNestedBridgeScopeIsInWalkOrderEpermForGroupCallersAndNotOwnedForCdev() {
    try (Host host = nestedHost()) {
      HostProcess p = host.process("legacy");
      int dev = legacy(p, BUS_A_GROUP, BUS_A).device();
      // ENOSPC is decided on the count before any entry is filled
      MemorySegment small = infoArg(12, 0, 12, 0);
      assertThat(infoRaw(p, dev, small)).isEqualTo(ENOSPC);
      assertThat(VfioPciHotResetInfo.COUNT.get(small)).isEqualTo(4);
      MemorySegment arg = infoArg(12 + 4 * 8, 0, 12 + 4 * 8, 0x5a);
      byte[] before = bytes(arg);
      assertThat(infoRaw(p, dev, arg)).isEqualTo(EPERM);
      assertThat(bytes(arg)).as("nothing written on EPERM").isEqualTo(before);
      p.close();

      HostProcess v = host.process("vmm");
      int ictx = openIommufdOk(v);
      int a = cdevBound(v, host, BUS_A, ictx);
      Info c = infoOk(v, a);
      assertThat(c.flags()).isEqualTo(DEV_ID);
      assertThat(c.entries())
          .containsExactly(
              new Entry(devidOf(host, BUS_A), 0, 2, 0x00),
              new Entry(NOT_OWNED, 0, 2, 0x08),
              new Entry(NOT_OWNED, 0, 2, 0x18),
              new Entry(NOT_OWNED, 0, 4, 0x00));
      assertThat(c.bdfs()).containsExactly(BUS_A, BUS_B, BRIDGE, GROUPLESS);
      int b = cdevBound(v, host, BUS_B, ictx);
      assertThat(infoOk(v, b).ids())
          .containsExactly(devidOf(host, BUS_A), devidOf(host, BUS_B), NOT_OWNED, NOT_OWNED);
    }
  }

  // ---- cdev ownership reporting ----

  @Test
  void anUnopenedSiblingInAnotherIommuGroupIsNotOwned() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int a = cdevBound(p, host, BUS_A, openIommufdOk(p));
      Info i = infoOk(p, a);
      assertThat(i.flags()).isEqualTo(DEV_ID);
      assertThat(i.entries())
          .containsExactly(
              new Entry(devidOf(host, BUS_A), 0, 2, 0x00), new Entry(NOT_OWNED, 0, 2, 0x08));
    }
  }

  @Test
  void anUnopenedSiblingInTheSameIommuGroupIsOwnedWithoutAnId() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int a = cdevBound(p, host, PAIR_A, openIommufdOk(p));
      Info i = infoOk(p, a);
      assertThat(i.flags()).isEqualTo(BOTH);
      assertThat(i.entries())
          .containsExactly(
              new Entry(devidOf(host, PAIR_A), 0, 3, 0x00), new Entry(OWNED, 0, 3, 0x01));
      assertThat(i.ids().get(0)).isPositive();
    }
  }

  @Test
  void siblingsBoundToTheSameIommufdReportTheirDevids() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      int b = cdevBound(p, host, BUS_B, ictx);
      int devA = devidOf(host, BUS_A);
      int devB = devidOf(host, BUS_B);
      assertThat(devA).isPositive().isNotEqualTo(devB);
      assertThat(devB).isPositive();
      for (int fd : new int[] {a, b}) {
        Info i = infoOk(p, fd);
        assertThat(i.flags()).isEqualTo(BOTH);
        assertThat(i.ids()).containsExactly(devA, devB);
      }
      // both functions of the pair bound: two real devids, no OWNED placeholder
      int pa = cdevBound(p, host, PAIR_A, ictx);
      cdevBound(p, host, PAIR_B, ictx);
      assertThat(infoOk(p, pa).ids())
          .containsExactly(devidOf(host, PAIR_A), devidOf(host, PAIR_B))
          .doesNotContain(OWNED, NOT_OWNED);
    }
  }

  @Test
  void aGroupPathSiblingOnTheSameIommufdReportsItsDevid() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      GroupDevice b = compat(p, BUS_B_GROUP, ictx, BUS_B);
      int devB = devidOf(host, BUS_B);
      assertThat(devB).isPositive().isNotEqualTo(devidOf(host, BUS_A));
      Info i = infoOk(p, a);
      assertThat(i.flags()).isEqualTo(BOTH);
      assertThat(i.ids()).containsExactly(devidOf(host, BUS_A), devB);
      // the group-path device itself is a group caller: group ids, flags 0
      Info g = infoOk(p, b.device());
      assertThat(g.flags()).isZero();
      assertThat(g.ids()).containsExactly(BUS_A_GROUP, BUS_B_GROUP);
    }
  }

  @Test
  void aSiblingBoundToAnotherIommufdIsNotOwned() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm1");
      HostProcess q = host.process("vmm2");
      int a = cdevBound(p, host, BUS_A, openIommufdOk(p));
      int b = cdevBound(q, host, BUS_B, openIommufdOk(q));
      Info ia = infoOk(p, a);
      assertThat(ia.flags()).isEqualTo(DEV_ID);
      assertThat(ia.ids()).containsExactly(devidOf(host, BUS_A), NOT_OWNED);
      Info ib = infoOk(q, b);
      assertThat(ib.flags()).isEqualTo(DEV_ID);
      assertThat(ib.ids()).containsExactly(NOT_OWNED, devidOf(host, BUS_B));
      // a second iommufd in the same process is just as foreign
      q.close();
      int other = openIommufdOk(p);
      cdevBound(p, host, BUS_B, other);
      assertThat(infoOk(p, a).ids()).containsExactly(devidOf(host, BUS_A), NOT_OWNED);
    }
  }

  @Test
  void aSiblingInALegacyContainerIsNotOwned() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int a = cdevBound(p, host, BUS_A, openIommufdOk(p));
      legacy(p, BUS_B_GROUP, BUS_B);
      Info i = infoOk(p, a);
      assertThat(i.flags()).isEqualTo(DEV_ID);
      assertThat(i.ids()).containsExactly(devidOf(host, BUS_A), NOT_OWNED);
    }
  }
}
