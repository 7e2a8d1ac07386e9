package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PCI hot reset of the two bus-02 functions ({@code 0000:02:00.0}, {@code 0000:02:01.0}, groups 5
 * and 6), proven by one iommufd (cdev) or by the group fds.
 */
class HotResetTest {
  private static final int BUS = 0x02;

  private final Emulated emu = new Emulated();

  @AfterEach
  void close() {
    emu.close();
  }

  @Test
  void cdevInfoListsBothDevidsAndSaysAllOwned() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_A), fd);
        VfioDevice b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_B), fd)) {
      VfioDevice.HotResetInfo info = a.hotResetInfo();
      assertThat(info.flags())
          .isEqualTo(
              VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID
                  | VfioConstants.VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
      assertThat(info.allOwned()).isTrue();
      assertThat(info.devices())
          .containsExactly(
              new VfioDevice.Dependent(a.devid(), 0, BUS, 0x00),
              new VfioDevice.Dependent(b.devid(), 0, BUS, 0x08));
    }
  }

  @Test
  void cdevHotResetResetsTheWholeBus() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_A), fd);
        VfioDevice b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_B), fd)) {
      int resetsA = emu.hostDevice(Emulated.BUS_A).resets();
      int resetsB = emu.hostDevice(Emulated.BUS_B).resets();
      a.hotReset();
      assertThat(emu.hostDevice(Emulated.BUS_A).resets()).isEqualTo(resetsA + 1);
      assertThat(emu.hostDevice(Emulated.BUS_B).resets()).isEqualTo(resetsB + 1);
      b.hotReset();
      assertThat(emu.hostDevice(Emulated.BUS_A).resets()).isEqualTo(resetsA + 2);
    }
  }

  @Test
  void withOnlyOneDeviceBoundTheOtherIsNotOwned() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_A), fd)) {
      VfioDevice.HotResetInfo info = a.hotResetInfo();
      assertThat(info.allOwned()).isFalse();
      assertThat(info.devices()).hasSize(2);
      // ids are u32 values: the NOT_OWNED sentinel (-1) reads as 0xffffffff
      assertThat(info.devices().get(1).id())
          .isEqualTo(Integer.toUnsignedLong(VfioConstants.VFIO_PCI_DEVID_NOT_OWNED));
      assertThat(info.devices().get(0).id()).isEqualTo(a.devid());
      VfioException e = catchThrowableOfType(VfioException.class, a::hotReset);
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.call()).isEqualTo("VFIO_DEVICE_PCI_HOT_RESET(" + a.name() + ")");
    }
  }

  @Test
  void aDeviceOfAnotherIommufdIsNotOwned() {
    try (Iommufd one = Iommufd.open(emu.p);
        Iommufd two = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_A), one);
        VfioDevice b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_B), two)) {
      assertThat(a.hotResetInfo().allOwned()).isFalse();
      assertThat(catchThrowableOfType(VfioException.class, a::hotReset).errno())
          .isEqualTo(Errno.EINVAL);
      assertThat(b.hotResetInfo().allOwned()).isFalse();
    }
  }

  @Test
  void groupInfoListsGroupIdsAndTheGroupsProveOwnership() {
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup ga = VfioGroup.open(emu.p, Emulated.BUS_A_GROUP);
        VfioGroup gb = VfioGroup.open(emu.p, Emulated.BUS_B_GROUP)) {
      ga.setContainer(container.fd());
      gb.setContainer(container.fd());
      container.setIommuType1v2();
      try (VfioDevice a = ga.device(Emulated.BUS_A)) {
        VfioDevice.HotResetInfo info = a.hotResetInfo();
        assertThat(info.flags()).isZero();
        assertThat(info.allOwned()).isFalse();
        assertThat(info.devices())
            .containsExactly(
                new VfioDevice.Dependent(Emulated.BUS_A_GROUP, 0, BUS, 0x00),
                new VfioDevice.Dependent(Emulated.BUS_B_GROUP, 0, BUS, 0x08));
        int resetsB = emu.hostDevice(Emulated.BUS_B).resets();
        a.hotReset(ga, gb);
        assertThat(emu.hostDevice(Emulated.BUS_B).resets()).isEqualTo(resetsB + 1);
      }
    }
  }

  @Test
  void aMissingGroupFdIsEinval() {
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup ga = VfioGroup.open(emu.p, Emulated.BUS_A_GROUP)) {
      ga.setContainer(container.fd());
      container.setIommuType1v2();
      try (VfioDevice a = ga.device(Emulated.BUS_A)) {
        VfioException e = catchThrowableOfType(VfioException.class, () -> a.hotReset(ga));
        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
        assertThat(e.call()).isEqualTo("VFIO_DEVICE_PCI_HOT_RESET(" + Emulated.BUS_A + ")");
        // a group caller must pass group fds at all
        assertThat(catchThrowableOfType(VfioException.class, a::hotReset).errno())
            .isEqualTo(Errno.EINVAL);
      }
    }
  }

  @Test
  void aHotResetEndsTheSessionsOfEveryDeviceItTouches() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
        VfioDevice b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_B), fd);
        VfioDevice mtty = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MTTY), fd)) {
      List<Integer> before = emu.p.openFds();
      Migration mb = b.migration();
      mb.set(MigrationState.PRE_COPY);
      a.hotReset();
      // the kernel ended b's session: its stream answers ENODEV and b is RUNNING again
      assertThat(mb.state()).isEqualTo(MigrationState.RUNNING);
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> mb.read(emu.p.memory().map(4096)));
      assertThat(e.errno()).isEqualTo(Errno.ENODEV);
      // the next SET tidies the stale fd up
      mb.set(MigrationState.RUNNING);
      assertThat(mb.hasDataStream()).isFalse();
      assertThat(emu.p.openFds()).isEqualTo(before);
      assertThat(mtty.migration().state()).isEqualTo(MigrationState.RUNNING);
    }
  }

  @Test
  void aFunctionWithoutSlotOrBusResetIsEnodev() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice plain = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.PLAIN), fd)) {
      VfioException e = catchThrowableOfType(VfioException.class, plain::hotResetInfo);
      assertThat(e.errno()).isEqualTo(Errno.ENODEV);
      assertThat(e.call()).isEqualTo("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO(" + plain.name() + ")");
      assertThat(e.getMessage()).contains("ENODEV").contains("does not apply");
    }
  }

  @Test
  void aHotResetEndsAMigrationSessionOfTheCaller() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice mem = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
        VfioDevice memB = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_B), fd);
        VfioDevice mtty = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MTTY), fd)) {
      // bus 05 is one reset scope: all three functions must be bound to this iommufd
      List<Integer> before = emu.p.openFds();
      mem.migration().set(MigrationState.PRE_COPY);
      assertThat(mem.hotResetInfo().devices())
          .extracting(VfioDevice.Dependent::id)
          .containsExactly((long) mem.devid(), (long) memB.devid(), (long) mtty.devid());
      assertThat(mem.hotResetInfo().allOwned()).isTrue();
      mem.hotReset();
      assertThat(mem.migration().hasDataStream()).isFalse();
      assertThat(mem.migration().state()).isEqualTo(MigrationState.RUNNING);
      assertThat(emu.p.openFds()).isEqualTo(before);
    }
  }
}
