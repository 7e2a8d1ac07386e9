package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.uapi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DmaLogging}, the typed DMA_LOGGING_START / REPORT / STOP calls, against the demo host's
 * memdev: 1 MiB of guest RAM in an IOAS the memdev is attached to, its DMA writes logged. The
 * bitmaps are decoded here as the uAPI numbers them (bit {@code i % 64} of little-endian word
 * {@code i / 64} is the page at {@code iova + i * page_size}) and compared with the pages whose
 * bytes the device changed.
 */
class DmaLoggingTest {
  static final long IOVA = 0x2_0000_0000L;
  static final long RAM = 1L << 20;
  static final long PAGES = RAM / 4096;

  private final Emulated emu = new Emulated();
  private Iommufd iommufd;
  private VfioDevice dev;
  private MemorySegment ram;
  private MemorySegment scratch;

  @BeforeEach
  void setUp() {
    iommufd = Iommufd.open(emu.p);
    dev = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), iommufd);
    int ioas = iommufd.allocIoas();
    ram = emu.p.memory().map(RAM);
    iommufd.map(ioas, ram, IOVA);
    dev.attach(ioas);
    scratch = emu.p.memory().map(16);
  }

  @AfterEach
  void tearDown() {
    dev.close();
    iommufd.close();
    emu.close();
  }

  private MemDevice memdev() {
    return emu.memdev(Emulated.MEMDEV_A);
  }

  /** The RAM pages (indexes from IOVA) whose bytes are no longer zero. */
  private TreeSet<Long> changedPages() {
    TreeSet<Long> out = new TreeSet<>();
    MemorySegment zero = MemorySegment.ofArray(new byte[4096]);
    for (long pg = 0; pg < PAGES; pg++) {
      if (ram.asSlice(pg * 4096, 4096).mismatch(zero) >= 0) {
        out.add(pg);
      }
    }
    return out;
  }

  /** A REPORT into a fresh zeroed bitmap of process memory; the set bit indexes, increasing. */
  private List<Long> report(long iova, long length, long pageSize) {
    long bits = Long.divideUnsigned(length + pageSize - 1, pageSize);
    MemorySegment bitmap = emu.p.memory().map(Math.max(8, ((bits + 63) / 64) * 8));
    DmaLogging.report(dev, iova, length, pageSize, bitmap);
    List<Long> out = new ArrayList<>();
    for (long w = 0; w < bitmap.byteSize() / 8; w++) {
      for (long b = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8); b != 0; b &= b - 1) {
        out.add(w * 64 + Long.numberOfTrailingZeros(b));
      }
    }
    return out;
  }

  private static VfioException failure(Runnable call) {
    VfioException e = catchThrowableOfType(VfioException.class, call::run);
    assertThat(e).as("a VfioException").isNotNull();
    return e;
  }

  @Test
  void memdevLogsItsDmaAndADeviceWithoutLogOpsDoesNot() {
    assertThat(DmaLogging.supported(dev)).isTrue();
    try (VfioDevice plain = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.PLAIN), iommufd)) {
      assertThat(DmaLogging.supported(plain)).isFalse();
      // the calls themselves: ENOTTY, named
      VfioException e = failure(() -> DmaLogging.start(plain, IOVA, RAM, 4096, scratch));
      assertThat(e.errno()).isEqualTo(Errno.ENOTTY);
      assertThat(e.call()).contains("DMA_LOGGING_START").contains(plain.name());
    }
  }

  @Test
  void aReportNamesExactlyThePagesTheDeviceWroteAndClearsThem() {
    assertThat(DmaLogging.start(dev, IOVA, RAM, 4096, scratch)).isEqualTo(4096);
    assertThat(memdev().runDmaWrites(40)).isEqualTo(40);
    TreeSet<Long> changed = changedPages();
    assertThat(changed).isNotEmpty().hasSizeLessThan((int) PAGES);
    assertThat(report(IOVA, RAM, 4096)).containsExactlyElementsOf(changed);
    // read and clear: nothing until the device writes again
    assertThat(report(IOVA, RAM, 4096)).isEmpty();
    DmaLogging.stop(dev);
  }

  @Test
  void aReportAtALargerPageSizeFoldsPagesAndOneOverASubRangeCountsFromItsStart() {
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    memdev().runDmaWrites(40);
    TreeSet<Long> changed = changedPages();
    // the upper half first, at 4 KiB: bit 0 is the page at IOVA + RAM / 2
    List<Long> upper = new ArrayList<>();
    for (long pg : changed.tailSet(PAGES / 2)) {
      upper.add(pg - PAGES / 2);
    }
    assertThat(report(IOVA + RAM / 2, RAM / 2, 4096)).isEqualTo(upper);
    // then the lower half at 16 KiB: four pages to a bit
    TreeSet<Long> folded = new TreeSet<>();
    for (long pg : changed.headSet(PAGES / 2)) {
      folded.add(pg / 4);
    }
    assertThat(report(IOVA, RAM / 2, 16384)).containsExactlyElementsOf(folded);
    assertThat(report(IOVA, RAM, 4096)).isEmpty();
    DmaLogging.stop(dev);
  }

  @Test
  void writesOutsideTheLoggedRangeAreNotReported() {
    DmaLogging.start(dev, IOVA, RAM / 4, 4096, scratch);
    memdev().runDmaWrites(60);
    TreeSet<Long> changed = changedPages();
    assertThat(changed.tailSet(PAGES / 4)).as("some writes outside the range").isNotEmpty();
    assertThat(report(IOVA, RAM, 4096)).containsExactlyElementsOf(changed.headSet(PAGES / 4));
    DmaLogging.stop(dev);
  }

  @ParameterizedTest(name = "START at {0} tracks at 4 KiB")
  @ValueSource(longs = {512, 4096, 8192, 1L << 20})
  void startAnswersThePageSizeTheDeviceTracks(long pageSize) {
    assertThat(DmaLogging.start(dev, IOVA, RAM, pageSize, scratch)).isEqualTo(4096);
    DmaLogging.stop(dev);
  }

  @Test
  void aRangeNotAlignedToThePageSizeIsEinval() {
    VfioException e = failure(() -> DmaLogging.start(dev, IOVA + 4096, RAM, 8192, scratch));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.call()).isEqualTo("VFIO_DEVICE_FEATURE(DMA_LOGGING_START, " + dev.name() + ")");
    e = failure(() -> DmaLogging.start(dev, IOVA, 4096 + 512, 4096, scratch));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    // nothing started: a report is refused
    assertThat(failure(() -> report(IOVA, RAM, 4096)).errno()).isEqualTo(Errno.EINVAL);
  }

  @Test
  void aRangeThatWrapsIsEoverflow() {
    VfioException e = failure(() -> DmaLogging.start(dev, -8192L, 16384, 4096, scratch));
    assertThat(e.errno()).isEqualTo(Errno.EOVERFLOW);
  }

  @Test
  void rangesOutsideTheProcessMemoryAreEfault() {
    try (Arena a = Arena.ofConfined()) {
      // Java memory the emulated process never mapped: the kernel cannot read the range there
      MemorySegment foreign = a.allocate(16, 8);
      VfioException e = failure(() -> DmaLogging.start(dev, IOVA, RAM, 4096, foreign));
      assertThat(e.errno()).isEqualTo(Errno.EFAULT);
    }
  }

  @Test
  void aSecondStartIsEinvalAndLeavesTheFirstRunning() {
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    VfioException e = failure(() -> DmaLogging.start(dev, IOVA, RAM / 2, 4096, scratch));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.getMessage()).contains("DMA_LOGGING_START");
    memdev().runDmaWrites(30);
    // the first session, over the whole RAM, still logs
    assertThat(report(IOVA, RAM, 4096)).containsExactlyElementsOf(changedPages());
    DmaLogging.stop(dev);
  }

  @Test
  void aReportWithoutAStartIsEinvalAsOnMlx5() {
    VfioException e = failure(() -> report(IOVA, RAM, 4096));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.call()).isEqualTo("VFIO_DEVICE_FEATURE(DMA_LOGGING_REPORT, " + dev.name() + ")");
    // and after a stop, the same
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    DmaLogging.stop(dev);
    assertThat(failure(() -> report(IOVA, RAM, 4096)).errno()).isEqualTo(Errno.EINVAL);
  }

  @Test
  void aStopWithoutAStartSucceedsAndAStopEndsTheLog() {
    DmaLogging.stop(dev);
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    memdev().runDmaWrites(10);
    DmaLogging.stop(dev);
    // a new session starts clean: what was written before it is not reported
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    assertThat(report(IOVA, RAM, 4096)).isEmpty();
    DmaLogging.stop(dev);
  }

  @ParameterizedTest(name = "REPORT page size {0}")
  @ValueSource(longs = {0, 512, 2048, 4096 + 4096 / 2})
  void aReportPageSizeBelow4kOrNotAPowerOfTwoIsEinval(long pageSize) {
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    MemorySegment bitmap = emu.p.memory().map(4096);
    VfioException e = failure(() -> DmaLogging.report(dev, IOVA, RAM, pageSize, bitmap));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    DmaLogging.stop(dev);
  }

  @Test
  void aReportSpanThatWrapsIsEoverflowAndABitmapOutsideTheProcessIsEfault() {
    DmaLogging.start(dev, IOVA, RAM, 4096, scratch);
    MemorySegment bitmap = emu.p.memory().map(4096);
    VfioException e = failure(() -> DmaLogging.report(dev, -4096L, 8192, 4096, bitmap));
    assertThat(e.errno()).isEqualTo(Errno.EOVERFLOW);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment foreign = a.allocate(64, 8);
      e = failure(() -> DmaLogging.report(dev, IOVA, RAM, 4096, foreign));
      assertThat(e.errno()).isEqualTo(Errno.EFAULT);
      assertThat(e.getMessage()).contains("DMA_LOGGING_REPORT");
    }
    DmaLogging.stop(dev);
  }
}
