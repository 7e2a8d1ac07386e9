package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The legacy path: {@link VfioGroup}, {@link VfioContainer}, devices from a group. */
class VfioGroupTest {
  private final Emulated emu = new Emulated();

  @AfterEach
  void close() {
    emu.close();
  }

  @Test
  void groupContainerTypeOneAndADevice() {
    List<Integer> before = emu.p.openFds();
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      assertThat(emu.p.describe(container.fd())).isEqualTo("/dev/vfio/vfio");
      assertThat(emu.p.describe(group.fd())).isEqualTo("/dev/vfio/" + Emulated.MEMDEV_A_GROUP);
      assertThat(group.viable()).isTrue();
      group.setContainer(container.fd());
      container.setIommuType1v2();
      try (VfioDevice dev = group.device(Emulated.MEMDEV_A)) {
        assertThat(dev.isCdev()).isFalse();
        assertThat(dev.devid()).isEqualTo(-1);
        assertThat(dev.name()).isEqualTo(Emulated.MEMDEV_A);
        assertThat(dev.info().resettable()).isTrue();
        assertThat(emu.hostDevice(Emulated.MEMDEV_A).openCount()).isEqualTo(1);
        // a group-opened device migrates like a cdev one
        Migration m = dev.migration();
        assertThat(m.flags()).isEqualTo(0x7);
        m.set(MigrationState.STOP);
        assertThat(m.state()).isEqualTo(MigrationState.STOP);
      }
      assertThat(emu.hostDevice(Emulated.MEMDEV_A).openCount()).isZero();
    }
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void aGroupOpensByItsNodePathAsByItsId() {
    String path = "/dev/vfio/" + Emulated.MEMDEV_A_GROUP;
    try (VfioGroup group = VfioGroup.open(emu.p, path)) {
      assertThat(group.id()).isEqualTo(Emulated.MEMDEV_A_GROUP);
      assertThat(emu.p.describe(group.fd())).isEqualTo(path);
    }
    VfioException e =
        catchThrowableOfType(
            VfioException.class, () -> VfioGroup.open(emu.p, "/dev/vfio/noiommu-99"));
    assertThat(e.call()).isEqualTo("open(/dev/vfio/noiommu-99)");
    assertThat(e.is(Errno.ENOENT)).isTrue();
  }

  @Test
  void aGroupOnAnIommufdGetsItsDevicesToo() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      group.setContainer(fd.fd());
      try (VfioDevice dev = group.device(Emulated.MEMDEV_A)) {
        assertThat(dev.info().resettable()).isTrue();
        assertThat(dev.migration().hasPreCopy()).isTrue();
      }
    }
  }

  @Test
  void aDeviceBeforeTheContainerIsEinval() {
    try (VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> group.device(Emulated.MEMDEV_A));
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.call()).isEqualTo("VFIO_GROUP_GET_DEVICE_FD(" + Emulated.MEMDEV_A + ")");
    }
  }

  @Test
  void aDeviceBeforeTheIommuTypeIsEinval() {
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      group.setContainer(container.fd());
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> group.device(Emulated.MEMDEV_A));
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    }
  }

  @Test
  void aDeviceOfAnotherGroupIsEnodev() {
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      group.setContainer(container.fd());
      container.setIommuType1v2();
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> group.device(Emulated.MEMDEV_B));
      assertThat(e.errno()).isEqualTo(Errno.ENODEV);
      assertThat(e.call()).isEqualTo("VFIO_GROUP_GET_DEVICE_FD(" + Emulated.MEMDEV_B + ")");
      assertThat(e.getMessage()).contains("no such device");
    }
  }

  @Test
  void bothMembersOfAGroupComeFromOneGroupFd() {
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.PAIR_GROUP)) {
      group.setContainer(container.fd());
      container.setIommuType1v2();
      try (VfioDevice a = group.device(Emulated.PAIR_A);
          VfioDevice b = group.device(Emulated.PAIR_B)) {
        assertThat(a.fd()).isNotEqualTo(b.fd());
        assertThat(a.migration()).isNull();
      }
    }
  }

  @Test
  void setIommuBeforeAGroupJoinedIsEinval() {
    try (VfioContainer container = VfioContainer.open(emu.p)) {
      VfioException e = catchThrowableOfType(VfioException.class, container::setIommuType1v2);
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.call()).isEqualTo("VFIO_SET_IOMMU(TYPE1v2)");
    }
  }

  @Test
  void noiommuAsksForTheNoiommuTypeWhichTheEmulatorHasNot() {
    // the emulator has only type1: no driver for the noiommu type (ENODEV), type1v2 works after
    try (VfioContainer container = VfioContainer.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      group.setContainer(container.fd());
      VfioException e = catchThrowableOfType(VfioException.class, container::setNoIommu);
      assertThat(e.errno()).isEqualTo(Errno.ENODEV);
      assertThat(e.call()).isEqualTo("VFIO_SET_IOMMU(NOIOMMU)");
      container.setIommuType1v2();
    }
  }

  @Test
  void aSecondSetContainerIsEinval() {
    try (VfioContainer one = VfioContainer.open(emu.p);
        VfioContainer two = VfioContainer.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      group.setContainer(one.fd());
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> group.setContainer(two.fd()));
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.call()).isEqualTo("VFIO_GROUP_SET_CONTAINER");
    }
  }

  @Test
  void aGroupOpensOnceAtATime() {
    try (VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      VfioException e =
          catchThrowableOfType(
              VfioException.class, () -> VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP));
      assertThat(e.errno()).isEqualTo(Errno.EBUSY);
      assertThat(e.call()).isEqualTo("open(/dev/vfio/" + Emulated.MEMDEV_A_GROUP + ")");
      assertThat(group.viable()).isTrue();
    }
  }

  @Test
  void aGroupWithABoundCdevCannotOpen() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      VfioException e =
          catchThrowableOfType(
              VfioException.class, () -> VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP));
      assertThat(e.errno()).isEqualTo(Errno.EBUSY);
      assertThat(e.getMessage()).contains("the other VFIO interface");
      assertThat(dev.devid()).isPositive();
    }
  }

  @Test
  void aGroupThatDoesNotExistIsEnoent() {
    VfioException e = catchThrowableOfType(VfioException.class, () -> VfioGroup.open(emu.p, 999));
    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
    assertThat(e.call()).isEqualTo("open(/dev/vfio/999)");
  }
}
