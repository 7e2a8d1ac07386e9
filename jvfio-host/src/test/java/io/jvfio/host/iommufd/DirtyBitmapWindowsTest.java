package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.DmaModel;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET_DIRTY_BITMAP over more than one window of bitmap memory (iova_bitmap.c pins at most 512
 * pages, 2 MiB, of the caller's bitmap at a time, where a bit is to be set): with a 1-byte page
 * size, 32 MiB of IOVA need 4 MiB of bitmap, two windows. Bits whose memory cannot be pinned are
 * dropped without an error.
 */
class DirtyBitmapWindowsTest {
  static final long IOVA = 0x1000_0000L;
  static final long RAM = 32L << 20;
  // one page in each half: bit ranges [page * 4096, page * 4096 + 4096) at a 1-byte page size
  static final long LOW_PAGE = 3;
  static final long HIGH_PAGE = (RAM / 4096) - 2;

  private final DmaModel model = new DmaModel();
  private Host host;
  private HostProcess p;
  private int fd;
  private int hwpt;

  @BeforeEach
  void setUp() {
    host = Migrations.host(model);
    p = host.process("vmm");
    fd = openIommufdOk(p);
    int dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
    int devid = bindOk(p, dev, fd);
    int ioas = ioasAllocOk(p, fd);
    MemorySegment ram = p.memory().map(RAM);
    assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
    hwpt = hwptAlloc(p, fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, devid, ioas);
    assertThat(attach(p, dev, hwpt)).isEqualTo(hwpt);
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    byte[] one = {1};
    model.dma().write(IOVA + LOW_PAGE * 4096 + 17, MemorySegment.ofArray(one));
    model.dma().write(IOVA + HIGH_PAGE * 4096 + 4095, MemorySegment.ofArray(one));
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  private int get(MemorySegment bitmap) {
    MemorySegment s = dirtyBitmapArg(hwpt, 0, IOVA, RAM, 1, bitmap.address());
    return p.ioctl(fd, IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s);
  }

  /**
   * Whether exactly the 4096 bits of {@code page} are set among {@code [from, to)} (bit indexes).
   */
  private static void assertPageBits(MemorySegment bitmap, long page, long fromWord, long toWord) {
    for (long w = fromWord; w < toWord; w++) {
      long word = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8);
      long bit = w * 64;
      boolean inPage = bit >= page * 4096 && bit < (page + 1) * 4096;
      assertThat(word).as("word %d", w).isEqualTo(inPage ? -1L : 0L);
    }
  }

  @Test
  void bothWindowsAreWalked() {
    MemorySegment bitmap = p.memory().map(RAM / 8);
    assertThat(get(bitmap)).isZero();
    long words = RAM / 64;
    assertPageBits(bitmap, LOW_PAGE, 0, words / 2);
    assertPageBits(bitmap, HIGH_PAGE, words / 2, words);
  }

  @Test
  void aPageThatAWindowEndsInsideHasItsLastBitsSetInTheNextWindow() {
    // a bitmap 8 bytes into a page: the first window pins 2 MiB - 8 bytes, so it covers 16 MiB - 64
    // bytes of IOVA and ends 64 bytes before the end of page 4095
    long straddling = (16L << 20) / 4096 - 1;
    model.dma().write(IOVA + straddling * 4096 + 4095, MemorySegment.ofArray(new byte[] {1}));
    MemorySegment mapped = p.memory().map(RAM / 8 + 4096);
    MemorySegment bitmap = mapped.asSlice(8, RAM / 8);
    assertThat(get(bitmap)).isZero();
    long words = RAM / 64;
    // all 4096 bits of that page, the last 64 of them in the second window; the others as before
    for (long w = 0; w < words; w++) {
      long word = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8);
      long bit = w * 64;
      boolean dirty =
          (bit >= LOW_PAGE * 4096 && bit < (LOW_PAGE + 1) * 4096)
              || (bit >= straddling * 4096 && bit < (straddling + 1) * 4096)
              || (bit >= HIGH_PAGE * 4096 && bit < (HIGH_PAGE + 1) * 4096);
      assertThat(word).as("word %d", w).isEqualTo(dirty ? -1L : 0L);
    }
  }

  @Test
  void bitsPastTheCallersMemoryAreLostWhileThePagesAreCleared() {
    // only the first 2 MiB of the 4 MiB bitmap exist: the high page's bits have nowhere to go
    MemorySegment bitmap = p.memory().map(2L << 20);
    assertThat(get(bitmap)).isZero();
    assertPageBits(bitmap, LOW_PAGE, 0, (2L << 20) / 8);
    // 6.12.117 reads and clears the whole range in one pass and drops a bit it cannot pin: the
    // high page is gone from the log
    MemorySegment full = p.memory().map(RAM / 8);
    assertThat(get(full)).isZero();
    assertPageBits(full, -1, 0, RAM / 64);
  }
}
