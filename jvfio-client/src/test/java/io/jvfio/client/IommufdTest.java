package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.uapi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Iommufd} against the emulated /dev/iommu: IOAS allocation, maps, unmaps, destroy. */
class IommufdTest {
  private final Emulated emu = new Emulated();

  @AfterEach
  void close() {
    emu.close();
  }

  @Test
  void opensDevIommuAndClosesIt() {
    var before = emu.p.openFds();
    Iommufd fd = Iommufd.open(emu.p);
    assertThat(emu.p.describe(fd.fd())).isEqualTo("/dev/iommu");
    fd.close();
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void allocatesDistinctIoasIds() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int a = fd.allocIoas();
      int b = fd.allocIoas();
      assertThat(a).isPositive();
      assertThat(b).isPositive().isNotEqualTo(a);
    }
  }

  @Test
  void mapsAtAFixedIovaAndUnmapsIt() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int ioas = fd.allocIoas();
      MemorySegment mem = emu.p.memory().map(64 << 10);
      long iova = fd.map(ioas, mem, 0x10_0000L);
      assertThat(iova).isEqualTo(0x10_0000L);
      assertThat(fd.unmap(ioas, iova, mem.byteSize())).isEqualTo(mem.byteSize());
    }
  }

  @Test
  void letsTheKernelChooseAnIova() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int ioas = fd.allocIoas();
      MemorySegment a = emu.p.memory().map(16 << 10);
      MemorySegment b = emu.p.memory().map(16 << 10);
      long ia = fd.map(ioas, a, null);
      long ib = fd.map(ioas, b, null);
      assertThat(ia % 4096).isZero();
      assertThat(ib % 4096).isZero();
      // two live mappings never overlap
      assertThat(ib >= ia + a.byteSize() || ia >= ib + b.byteSize()).isTrue();
      assertThat(fd.unmap(ioas, ia, a.byteSize())).isEqualTo(a.byteSize());
      assertThat(fd.unmap(ioas, ib, b.byteSize())).isEqualTo(b.byteSize());
    }
  }

  @Test
  void unmapCoversEveryMappingInTheRange() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int ioas = fd.allocIoas();
      MemorySegment mem = emu.p.memory().map(8192);
      fd.map(ioas, mem.asSlice(0, 4096), 0x20_0000L);
      fd.map(ioas, mem.asSlice(4096, 4096), 0x20_1000L);
      assertThat(fd.unmap(ioas, 0x20_0000L, 0x2000)).isEqualTo(0x2000);
    }
  }

  @Test
  void aFixedIovaThatIsTakenIsEexist() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int ioas = fd.allocIoas();
      MemorySegment mem = emu.p.memory().map(8192);
      fd.map(ioas, mem, 0x40_0000L);
      VfioException e =
          catchThrowableOfType(
              VfioException.class, () -> fd.map(ioas, mem.asSlice(0, 4096), 0x40_1000L));
      assertThat(e.errno()).isEqualTo(Errno.EEXIST);
      assertThat(e.call()).isEqualTo("IOMMU_IOAS_MAP");
      assertThat(e.getMessage())
          .isEqualTo(
              "IOMMU_IOAS_MAP failed: EEXIST (File exists) - it already exists (for example, an"
                  + " IOVA range already mapped)");
    }
  }

  @Test
  void memoryTheProcessNeverMappedIsEfault() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd);
        Arena own = Arena.ofConfined()) {
      int ioas = fd.allocIoas();
      // pages are pinned once a device is attached: then memory must be the process's own
      dev.attach(ioas);
      MemorySegment foreign = own.allocate(4096, 4096);
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> fd.map(ioas, foreign, 0x1000L));
      assertThat(e.errno()).isEqualTo(Errno.EFAULT);
      assertThat(e.call()).isEqualTo("IOMMU_IOAS_MAP");
      assertThat(e.getMessage()).contains("memory passed to the kernel was not mapped");
    }
  }

  @Test
  void mappingIntoAnUnknownIoasIsEnoent() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      MemorySegment mem = emu.p.memory().map(4096);
      VfioException e = catchThrowableOfType(VfioException.class, () -> fd.map(4242, mem, null));
      assertThat(e.errno()).isEqualTo(Errno.ENOENT);
      assertThat(e.getMessage()).contains("no such object");
    }
  }

  @Test
  void unmappingNothingIsEnoent() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int ioas = fd.allocIoas();
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> fd.unmap(ioas, 0x100_0000L, 4096));
      assertThat(e.errno()).isEqualTo(Errno.ENOENT);
      assertThat(e.call()).isEqualTo("IOMMU_IOAS_UNMAP");
    }
  }

  @Test
  void destroyFreesTheIoas() {
    try (Iommufd fd = Iommufd.open(emu.p)) {
      int ioas = fd.allocIoas();
      fd.destroy(ioas);
      VfioException again = catchThrowableOfType(VfioException.class, () -> fd.destroy(ioas));
      assertThat(again.errno()).isEqualTo(Errno.ENOENT);
      assertThat(again.call()).isEqualTo("IOMMU_DESTROY(" + ioas + ")");
      MemorySegment mem = emu.p.memory().map(4096);
      VfioException map = catchThrowableOfType(VfioException.class, () -> fd.map(ioas, mem, null));
      assertThat(map.errno()).isEqualTo(Errno.ENOENT);
    }
  }

  @Test
  void anIoasInUseCannotBeDestroyed() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      int ioas = fd.allocIoas();
      int hwpt = dev.attach(ioas);
      VfioException e = catchThrowableOfType(VfioException.class, () -> fd.destroy(ioas));
      assertThat(e.errno()).isEqualTo(Errno.EBUSY);
      assertThat(e.rawErrno()).isEqualTo(Errno.EBUSY.number());
      assertThat(e.is(Errno.EBUSY)).isTrue();
      assertThat(e.getMessage())
          .isEqualTo(
              "IOMMU_DESTROY("
                  + ioas
                  + ") failed: EBUSY (Device or resource busy) - the device or group is in use"
                  + " (another user, or the other VFIO interface)");
      dev.detach();
      // the automatic HWPT went with its last device; now the IOAS is free
      assertThat(catchThrowableOfType(VfioException.class, () -> fd.destroy(hwpt)).errno())
          .isEqualTo(Errno.ENOENT);
      fd.destroy(ioas);
    }
  }

  @Test
  void closingTwiceIsEbadf() {
    Iommufd fd = Iommufd.open(emu.p);
    fd.close();
    VfioException e = catchThrowableOfType(VfioException.class, fd::close);
    assertThat(e.errno()).isEqualTo(Errno.EBADF);
    assertThat(e.call()).isEqualTo("close(/dev/iommu)");
    assertThat(e.getMessage()).contains("a file descriptor was not open");
  }
}
