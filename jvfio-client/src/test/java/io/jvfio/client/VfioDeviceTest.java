package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link VfioDevice} through its cdev: BIND, ATTACH/DETACH, GET_INFO, RESET, and the errors. */
class VfioDeviceTest {
  private final Emulated emu = new Emulated();

  @AfterEach
  void close() {
    emu.close();
  }

  @Test
  void openCdevBindsAndGetsADevid() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      assertThat(dev.isCdev()).isTrue();
      assertThat(dev.devid()).isPositive();
      assertThat(dev.name()).isEqualTo(emu.cdev(Emulated.MEMDEV_A));
      assertThat(dev.sys()).isSameAs(emu.p);
      assertThat(emu.p.describe(dev.fd())).isEqualTo(emu.cdev(Emulated.MEMDEV_A));
      assertThat(emu.hostDevice(Emulated.MEMDEV_A).cdevOpened()).isTrue();
      assertThat(emu.hostDevice(Emulated.MEMDEV_A).iommufdBinding().id()).isEqualTo(dev.devid());
    }
    assertThat(emu.hostDevice(Emulated.MEMDEV_A).cdevOpened()).isFalse();
  }

  @Test
  void twoDevicesOnOneIommufdGetDistinctDevids() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
        VfioDevice b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_B), fd)) {
      assertThat(a.devid()).isNotEqualTo(b.devid());
    }
  }

  @Test
  void closeReleasesEveryFd() {
    List<Integer> before = emu.p.openFds();
    Iommufd fd = Iommufd.open(emu.p);
    VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
    dev.close();
    fd.close();
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void attachReturnsTheHwptAndDetachLetsGo() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
        VfioDevice b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_B), fd)) {
      int ioas = fd.allocIoas();
      MemorySegment ram = emu.p.memory().map(1 << 20);
      fd.map(ioas, ram, 0L);
      int hwpt = a.attach(ioas);
      assertThat(hwpt).isPositive().isNotEqualTo(ioas).isNotEqualTo(a.devid());
      // a second device on the same IOAS shares the automatic HWPT
      assertThat(b.attach(ioas)).isEqualTo(hwpt);
      // attaching to the HWPT itself is accepted too
      assertThat(a.attach(hwpt)).isEqualTo(hwpt);
      b.detach();
      a.detach();
      fd.unmap(ioas, 0, ram.byteSize());
      fd.destroy(ioas);
    }
  }

  @Test
  void attachingToAnUnknownObjectIsEnoent() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      VfioException e = catchThrowableOfType(VfioException.class, () -> dev.attach(9999));
      assertThat(e.errno()).isEqualTo(Errno.ENOENT);
      assertThat(e.call()).isEqualTo("VFIO_DEVICE_ATTACH_IOMMUFD_PT(" + dev.name() + ")");
      assertThat(e.getMessage()).contains("ENOENT").contains("no such object");
    }
  }

  @Test
  void attachingToADeviceObjectIsEinval() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      VfioException e = catchThrowableOfType(VfioException.class, () -> dev.attach(dev.devid()));
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.getMessage()).contains("the kernel rejected the request");
    }
  }

  @Test
  void infoSaysPciAndWhetherResetWorks() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice mem = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
        VfioDevice bus = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_A), fd)) {
      VfioDevice.Info info = mem.info();
      assertThat(info.flags() & VfioConstants.VFIO_DEVICE_FLAGS_PCI).isNotZero();
      assertThat(info.resettable()).isTrue();
      assertThat(info.numRegions()).isEqualTo(VfioConstants.VFIO_PCI_NUM_REGIONS);
      assertThat(info.numIrqs()).isEqualTo(VfioConstants.VFIO_PCI_NUM_IRQS);
      // bus 02 functions have no function-level reset
      VfioDevice.Info busInfo = bus.info();
      assertThat(busInfo.flags() & VfioConstants.VFIO_DEVICE_FLAGS_PCI).isNotZero();
      assertThat(busInfo.resettable()).isFalse();
    }
  }

  @Test
  void resetReachesTheHardware() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      emu.memdev(Emulated.MEMDEV_A).fillRandom(3);
      String filled = emu.memdev(Emulated.MEMDEV_A).digest();
      int resets = emu.hostDevice(Emulated.MEMDEV_A).resets();
      dev.reset();
      assertThat(emu.hostDevice(Emulated.MEMDEV_A).resets()).isEqualTo(resets + 1);
      // memdev's reset is a power-on: its memory is zero again
      assertThat(emu.memdev(Emulated.MEMDEV_A).digest()).isNotEqualTo(filled);
      assertThat(emu.memdev(Emulated.MEMDEV_A).readByte(0)).isZero();
    }
  }

  @Test
  void resetWithoutFunctionResetIsEinval() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.BUS_A), fd)) {
      VfioException e = catchThrowableOfType(VfioException.class, dev::reset);
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.call()).isEqualTo("VFIO_DEVICE_RESET(" + dev.name() + ")");
    }
  }

  @Test
  void bindWhileTheGroupIsOpenIsEbusyWithAHint() {
    List<Integer> before = emu.p.openFds();
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioGroup group = VfioGroup.open(emu.p, Emulated.MEMDEV_A_GROUP)) {
      List<Integer> withGroup = emu.p.openFds();
      String cdev = emu.cdev(Emulated.MEMDEV_A);
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> VfioDevice.openCdev(emu.p, cdev, fd));
      assertThat(e.errno()).isEqualTo(Errno.EBUSY);
      assertThat(e.call()).isEqualTo("VFIO_DEVICE_BIND_IOMMUFD(" + cdev + ")");
      assertThat(e.getMessage())
          .isEqualTo(
              "VFIO_DEVICE_BIND_IOMMUFD("
                  + cdev
                  + ") failed: EBUSY (Device or resource busy) - the device or group is in use"
                  + " (another user, or the other VFIO interface)");
      // the cdev fd the failed open made is closed again
      assertThat(emu.p.openFds()).isEqualTo(withGroup);
      assertThat(group.id()).isEqualTo(Emulated.MEMDEV_A_GROUP);
    }
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void bindingTheSameCdevTwiceIsRefused() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      VfioException e =
          catchThrowableOfType(
              VfioException.class, () -> VfioDevice.openCdev(emu.p, dev.name(), fd));
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.call()).startsWith("VFIO_DEVICE_BIND_IOMMUFD(");
    }
  }

  @Test
  void aGroupSharedWithAnotherIommufdIsEperm() {
    try (Iommufd one = Iommufd.open(emu.p);
        Iommufd two = Iommufd.open(emu.p);
        VfioDevice a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.PAIR_A), one)) {
      String cdevB = emu.cdev(Emulated.PAIR_B);
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> VfioDevice.openCdev(emu.p, cdevB, two));
      assertThat(e.errno()).isEqualTo(Errno.EPERM);
      assertThat(e.getMessage()).contains("the IOMMU group is owned by someone else");
      // the same iommufd may take the other member
      try (VfioDevice b = VfioDevice.openCdev(emu.p, cdevB, one)) {
        assertThat(b.devid()).isNotEqualTo(a.devid());
      }
    }
  }

  @Test
  void openingANodeThatDoesNotExistIsEnoent() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      VfioException e =
          catchThrowableOfType(
              VfioException.class,
              () -> VfioDevice.openCdev(emu.p, "/dev/vfio/devices/vfio999", fd));
      assertThat(e.errno()).isEqualTo(Errno.ENOENT);
      assertThat(e.call()).isEqualTo("open(/dev/vfio/devices/vfio999)");
    }
  }

  @Test
  void closingTwiceIsEbadf() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
      dev.close();
      VfioException e = catchThrowableOfType(VfioException.class, dev::close);
      assertThat(e.errno()).isEqualTo(Errno.EBADF);
      assertThat(e.call()).isEqualTo("close(" + dev.name() + ")");
    }
  }
}
