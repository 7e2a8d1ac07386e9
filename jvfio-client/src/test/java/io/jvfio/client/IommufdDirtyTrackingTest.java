package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommufdConstants;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Iommufd}'s HWPT and dirty-tracking calls against the emulated host: a memdev attached to a
 * HWPT with dirty tracking writes guest RAM by DMA, and the bitmap names exactly those pages.
 */
class IommufdDirtyTrackingTest {
  static final long IOVA = 0x1_0000_0000L;
  static final long RAM = 2L << 20;

  private final Emulated emu = new Emulated();

  @AfterEach
  void close() {
    emu.close();
  }

  private static List<Long> bits(MemorySegment bitmap) {
    List<Long> out = new ArrayList<>();
    for (long w = 0; w < bitmap.byteSize() / 8; w++) {
      for (long b = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8); b != 0; b &= b - 1) {
        out.add(w * 64 + Long.numberOfTrailingZeros(b));
      }
    }
    return out;
  }

  @Test
  void aMemdevsDmaWritesAreExactlyTheDirtyPages() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      Iommufd.HwInfo info = fd.hwInfo(dev.devid());
      assertThat(info.dataType()).isEqualTo(IommufdConstants.IOMMU_HW_INFO_TYPE_INTEL_VTD);
      assertThat(info.dirtyTracking()).isTrue();
      int ioas = fd.allocIoas();
      MemorySegment ram = emu.p.memory().map(RAM);
      fd.map(ioas, ram, IOVA);
      int hwpt = fd.allocHwpt(dev.devid(), ioas, IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
      assertThat(dev.attach(hwpt)).isEqualTo(hwpt);
      fd.setDirtyTracking(hwpt, true);

      MemDevice memdev = emu.memdev(Emulated.MEMDEV_A);
      assertThat(memdev.runDmaWrites(300)).isEqualTo(300);
      List<Long> changed = new ArrayList<>();
      for (long pg = 0; pg < RAM / 4096; pg++) {
        if (ram.asSlice(pg * 4096, 4096).mismatch(MemorySegment.ofArray(new byte[4096])) >= 0) {
          changed.add(pg);
        }
      }
      MemorySegment bitmap = emu.p.memory().map(4096);
      fd.readDirty(hwpt, IOVA, RAM, 4096, bitmap, true);
      assertThat(bits(bitmap)).isEqualTo(changed);
      bitmap.fill((byte) 0);
      fd.readDirty(hwpt, IOVA, RAM, 4096, bitmap, false);
      assertThat(bits(bitmap)).isEqualTo(changed);
      bitmap.fill((byte) 0);
      fd.readDirty(hwpt, IOVA, RAM, 4096, bitmap, false);
      assertThat(bits(bitmap)).isEmpty();
      dev.detach();
      fd.destroy(hwpt);
    }
  }

  @Test
  void anAutoDomainCannotTrackAndSaysSo() {
    try (Iommufd fd = Iommufd.open(emu.p);
        VfioDevice dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), fd)) {
      int ioas = fd.allocIoas();
      int auto = dev.attach(ioas);
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> fd.setDirtyTracking(auto, true));
      assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
      assertThat(e.getMessage()).contains("IOMMU_HWPT_SET_DIRTY_TRACKING");
    }
  }
}
