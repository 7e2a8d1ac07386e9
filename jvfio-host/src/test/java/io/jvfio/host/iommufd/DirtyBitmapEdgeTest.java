package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static io.jvfio.uapi.iommufd.IommufdConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.DmaModel;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET_DIRTY_BITMAP edge cases as Linux 6.12.117 answers them (its source in the lab, and the lab's
 * conformance run): a zero length is EINVAL even at IOVA 0; the walk ends at the first hole with
 * success; the bitmap is pinned only where a bit is set, so a bitmap the kernel cannot write (not
 * mapped, too small) loses those bits while the pages are still read and cleared; a page size that
 * is not a power of two passes its mask test and counts by its lowest set bit. Guest RAM is 1 MiB
 * at IOVA 0, then a hole, then 1 MiB at 4 MiB.
 */
class DirtyBitmapEdgeTest {
  static final long RAM = 1L << 20;
  static final long HIGH = 4L << 20;

  private final DmaModel model = new DmaModel();
  private Host host;
  private HostProcess p;
  private int fd;
  private int hwpt;
  private int ioas;
  private final Arena own = Arena.ofShared();

  @BeforeEach
  void setUp() {
    host = Migrations.host(model);
    p = host.process("vmm");
    fd = openIommufdOk(p);
    int dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
    int devid = bindOk(p, dev, fd);
    ioas = ioasAllocOk(p, fd);
    assertThat(mapFixed(p, fd, ioas, 0, p.memory().map(RAM).address(), RAM)).isZero();
    assertThat(mapFixed(p, fd, ioas, HIGH, p.memory().map(RAM).address(), RAM)).isZero();
    hwpt = hwptAlloc(p, fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, devid, ioas);
    assertThat(attach(p, dev, hwpt)).isEqualTo(hwpt);
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
  }

  @AfterEach
  void tearDown() {
    host.close();
    own.close();
  }

  /**
   * One page of bitmap memory with nothing mapped right after it, so bits past it find no memory
   * (two pages are taken, only the first is made visible).
   */
  private MemorySegment onePage() {
    return p.memory().adopt(own.allocate(8192, 4096).asSlice(0, 4096));
  }

  private void write(long iova) {
    model.dma().write(iova, MemorySegment.ofArray(new byte[] {1}));
  }

  private int get(long iova, long length, long pageSize, MemorySegment bitmap) {
    MemorySegment s = dirtyBitmapArg(hwpt, 0, iova, length, pageSize, bitmap.address());
    return p.ioctl(fd, IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s);
  }

  private static List<Long> bits(MemorySegment bitmap) {
    List<Long> out = new ArrayList<>();
    for (long w = 0; w < bitmap.byteSize() / 8; w++) {
      long word = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8);
      for (long b = word; b != 0; b &= b - 1) {
        out.add(w * 64 + Long.numberOfTrailingZeros(b));
      }
    }
    return out;
  }

  @Test
  void aZeroLengthIsEinvalEvenAtIovaZeroAndReadsNothing() {
    write(0x3000);
    MemorySegment bitmap = p.memory().map(4096);
    assertThat(get(0, 0, 4096, bitmap)).isEqualTo(Errno.EINVAL.negative());
    assertThat(bits(bitmap)).isEmpty();
    assertThat(get(0, RAM, 4096, bitmap)).isZero();
    assertThat(bits(bitmap)).containsExactly(3L);
  }

  @Test
  void theWalkEndsAtTheFirstHoleWithSuccess() {
    write(0x3000);
    write(HIGH + 0x5000);
    MemorySegment bitmap = p.memory().map(4096);
    // 0 to 8 MiB: the hole at 1 MiB ends the walk; the high page is neither reported nor cleared
    assertThat(get(0, 2 * HIGH, 4096, bitmap)).isZero();
    assertThat(bits(bitmap)).containsExactly(3L);
    MemorySegment high = p.memory().map(4096);
    assertThat(get(HIGH, RAM, 4096, high)).isZero();
    assertThat(bits(high)).containsExactly(5L);
  }

  @Test
  void aBitmapTheKernelCannotWriteLosesItsBitsButThePagesAreReadAndCleared() {
    write(0x3000);
    assertThat(get(0, RAM, 4096, MemorySegment.NULL)).isZero();
    MemorySegment bitmap = p.memory().map(4096);
    assertThat(get(0, RAM, 4096, bitmap)).isZero();
    assertThat(bits(bitmap)).as("the page was cleared by the first call").isEmpty();
    // with NO_CLEAR nothing is lost
    write(0x4000);
    MemorySegment s = dirtyBitmapArg(hwpt, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, 0, RAM, 4096, 0);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s)).isZero();
    assertThat(get(0, RAM, 4096, bitmap)).isZero();
    assertThat(bits(bitmap)).containsExactly(4L);
  }

  @Test
  void aBitmapSmallerThanTheRangeGetsTheBitsThatFitAndTheRestIsLost() {
    // 1 MiB at a 1-byte page size needs 128 KiB of bitmap; give it one page (32768 bits, 8 pages)
    write(0x2000 + 9);
    write(0x9000);
    MemorySegment small = onePage();
    assertThat(get(0, RAM, 1, small)).isZero();
    List<Long> got = bits(small);
    assertThat(got).hasSize(4096);
    assertThat(got.getFirst()).isEqualTo(0x2000L);
    assertThat(got.getLast()).isEqualTo(0x2fffL);
    // page 9's bits lay past the caller's memory: dropped, but the page was read and cleared
    MemorySegment full = p.memory().map(4096);
    assertThat(get(0, RAM, 4096, full)).isZero();
    assertThat(bits(full)).isEmpty();
  }

  @Test
  void aPageSizeThatIsNotAPowerOfTwoCountsByItsLowestSetBit() {
    // 0x3000: the mask 0x2fff passes for 0 and 1 MiB, and bits are 4 KiB apart (lowest bit 0x1000)
    write(0x7000);
    MemorySegment bitmap = p.memory().map(4096);
    assertThat(get(0, RAM, 0x3000, bitmap)).isZero();
    assertThat(bits(bitmap)).containsExactly(7L);
  }
}
