package io.jvfio.host.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DMA dirty logging features 6, 7 and 8: the core's checks and the bitmap it fills. */
class DmaLoggingTest {
  private static final int EINVAL = Errno.EINVAL.negative();
  private static final long PAGE = 4096;
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private TestMigrationModel model;
  private TestMigrationModel.Logging log;
  private HostProcess p;
  private int fd;

  @BeforeEach
  void setUp() {
    model = new TestMigrationModel(0x7, 64).withLogging();
    log = model.logging();
    Host host = Migrations.host(model);
    p = host.process("vmm");
    fd = Migrations.open(p, host, 0);
    model.clearRecords();
  }

  private Migrations.LogStart start(long pageSize, long... ranges) {
    return Migrations.logStart(p, fd, pageSize, ranges);
  }

  private void assertNotStarted() {
    assertThat(model.events()).doesNotContain("log start");
    assertThat(log.started()).isFalse();
  }

  // ---- START ----

  @Test
  void startNeedsOneTo256Ranges() {
    assertThat(Migrations.logStart(p, fd, PAGE, 0, p.memory().map(16).address()).ret())
        .isEqualTo(EINVAL);
    // E2BIG before the ranges are read: the pointer is never looked at
    assertThat(Migrations.logStart(p, fd, PAGE, 257, 0).ret()).isEqualTo(Errno.E2BIG.negative());
    assertThat(Migrations.logStart(p, fd, PAGE, 0xffffffffL, 0).ret())
        .isEqualTo(Errno.E2BIG.negative());
    assertNotStarted();
    long[] ranges = new long[512];
    for (int i = 0; i < 256; i++) {
      ranges[2 * i] = 0x100000L + i * 2 * PAGE;
      ranges[2 * i + 1] = PAGE;
    }
    assertThat(start(PAGE, ranges)).isEqualTo(new Migrations.LogStart(0, PAGE));
    assertThat(log.ranges()).hasSize(256);
    assertThat(log.ranges().get(255)).isEqualTo(new DmaLogging.Range(0x100000L + 510 * PAGE, PAGE));
  }

  @Test
  void rangesMustBeAlignedToThePageSize() {
    assertThat(start(PAGE, 0x1001, PAGE).ret()).isEqualTo(EINVAL);
    assertThat(start(PAGE, 0x1000, 0x1800).ret()).isEqualTo(EINVAL);
    assertThat(start(PAGE, 0x1000, PAGE, 0x8000, 0x10).ret()).isEqualTo(EINVAL);
    assertThat(start(8192, 0x1000, 0x2000).ret()).isEqualTo(EINVAL);
    assertNotStarted();
    assertThat(start(8192, 0x2000, 0x4000).ret()).isZero();
    assertThat(log.startPageSize()).isEqualTo(8192);
  }

  @Test
  void thePageSizeIsOnlyUsedAsAMask() {
    // 3: mask 2, so 0x10000 passes although it is no multiple of 3
    assertThat(start(3, 0x10000, 0x10000)).isEqualTo(new Migrations.LogStart(0, 3));
    assertThat(log.startPageSize()).isEqualTo(3);
    assertThat(start(3, 0x10002, 0x10000).ret()).isEqualTo(EINVAL);
    assertThat(start(512, 0x200, 0x400)).isEqualTo(new Migrations.LogStart(0, 512));
    // 0: mask ~0, any non-zero iova or length fails
    assertThat(start(0, 0x1000, 0x1000).ret()).isEqualTo(EINVAL);
    assertThat(start(0, 0, 0x1000).ret()).isEqualTo(EINVAL);
  }

  @Test
  void aRangeThatWrapsIsEoverflow() {
    assertThat(start(PAGE, 0xfffffffffffff000L, 0x2000).ret())
        .isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(start(PAGE, 0xfffffffffffff000L, 0x1000).ret())
        .isEqualTo(Errno.EOVERFLOW.negative());
    // alignment is checked first
    assertThat(start(PAGE, 0xfffffffffffff001L, 0x2000).ret()).isEqualTo(EINVAL);
    // the last page itself is fine
    assertThat(start(PAGE, 0xffffffffffffe000L, 0x1000).ret()).isZero();
  }

  @Test
  void overlappingRangesAreEinval() {
    assertThat(start(PAGE, 0x1000, 0x2000, 0x2000, 0x1000).ret()).isEqualTo(EINVAL);
    assertThat(start(PAGE, 0x10000, 0x1000, 0x1000, 0x4000, 0x4000, 0x1000).ret())
        .isEqualTo(EINVAL);
    assertThat(start(PAGE, 0x5000, 0x1000, 0x0, 0x10000).ret()).isEqualTo(EINVAL);
    assertNotStarted();
    // adjacent is fine, in any order
    assertThat(start(PAGE, 0x2000, 0x1000, 0x1000, 0x1000, 0x3000, 0x1000).ret()).isZero();
    assertThat(log.ranges())
        .containsExactly(
            new DmaLogging.Range(0x2000, 0x1000),
            new DmaLogging.Range(0x1000, 0x1000),
            new DmaLogging.Range(0x3000, 0x1000));
  }

  @Test
  void unmappedRangesAreEfault() {
    assertThat(Migrations.logStart(p, fd, PAGE, 1, 0).ret()).isEqualTo(Errno.EFAULT.negative());
    assertThat(Migrations.logStart(p, fd, PAGE, 1, 0x10).ret()).isEqualTo(Errno.EFAULT.negative());
    // two ranges announced, one mapped
    MemorySegment one = p.memory().map(16);
    one.set(U64, 0, 0x1000L);
    one.set(U64, 8, 0x1000L);
    assertThat(Migrations.logStart(p, fd, PAGE, 2, one.address()).ret())
        .isEqualTo(Errno.EFAULT.negative());
    assertNotStarted();
    assertThat(Migrations.logStart(p, fd, PAGE, 1, one.address()).ret()).isZero();
  }

  @Test
  void theReservedWordIsIgnored() {
    MemorySegment ranges = p.memory().map(16);
    ranges.set(U64, 0, 0x1000L);
    ranges.set(U64, 8, 0x1000L);
    MemorySegment s =
        Migrations.featureArg(Migrations.SET | 6, VfioDeviceFeatureDmaLoggingControl.SIZEOF);
    MemorySegment c = s.asSlice(8);
    VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(c, PAGE);
    VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(c, 1);
    VfioDeviceFeatureDmaLoggingControl.RESERVED.set(c, 0xdead);
    VfioDeviceFeatureDmaLoggingControl.RANGES.set(c, ranges.address());
    assertThat(Migrations.feature(p, fd, s)).isZero();
    assertThat(VfioDeviceFeatureDmaLoggingControl.RESERVED.get(c)).isEqualTo(0xdead);
  }

  @Test
  void theTrackedPageSizeIsWrittenBack() {
    log.trackedPageSize(2 * 1024 * 1024);
    assertThat(start(PAGE, 0, 0x400000)).isEqualTo(new Migrations.LogStart(0, 2 * 1024 * 1024));
    assertThat(log.startPageSize()).isEqualTo(PAGE);
  }

  @Test
  void aFaultingCopyOutOfTheControlStopsLoggingAgain() {
    MemorySegment ranges = p.memory().map(16);
    ranges.set(U64, 0, 0x1000L);
    ranges.set(U64, 8, 0x1000L);
    MemorySegment s =
        Migrations.featureArg(Migrations.SET | 6, VfioDeviceFeatureDmaLoggingControl.SIZEOF);
    MemorySegment c = s.asSlice(8);
    VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(c, PAGE);
    VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(c, 1);
    VfioDeviceFeatureDmaLoggingControl.RANGES.set(c, ranges.address());
    assertThat(Migrations.feature(p, fd, s.asReadOnly())).isEqualTo(Errno.EFAULT.negative());
    assertThat(model.events()).containsExactly("log start", "log stop");
    assertThat(log.started()).isFalse();
  }

  // ---- STOP ----

  @Test
  void stopReachesTheModel() {
    assertThat(start(PAGE, 0x1000, 0x1000).ret()).isZero();
    assertThat(log.started()).isTrue();
    assertThat(Migrations.probe(p, fd, 7, Migrations.SET)).isZero();
    assertThat(log.started()).isTrue();
    assertThat(Migrations.logStop(p, fd)).isZero();
    assertThat(log.started()).isFalse();
    assertThat(model.events()).containsExactly("log start", "log stop");
    // stop without start is the driver's business (this one accepts it)
    assertThat(Migrations.logStop(p, fd)).isZero();
  }

  @Test
  void loggingIsIndependentOfTheMigrationFsmAndOfReset() {
    assertThat(start(PAGE, 0x1000, 0x1000).ret()).isZero();
    Migrations.set(p, fd, MigrationState.STOP);
    assertThat(Migrations.set(p, fd, MigrationState.STOP_COPY)).isGreaterThanOrEqualTo(3);
    assertThat(Devices.deviceReset(p, fd)).isZero();
    assertThat(log.started()).isTrue();
    assertThat(model.events()).doesNotContain("log stop");
    log.dirty(0x1000);
    MemorySegment bitmap = p.memory().map(8);
    assertThat(Migrations.logReport(p, fd, 0x1000, 0x1000, PAGE, bitmap.address())).isZero();
    assertThat(bitmap.get(U64, 0)).isEqualTo(1L);
  }

  // ---- REPORT ----

  @Test
  void theReportPageSizeMustBeAPowerOfTwoOfAtLeast4k() {
    long bitmap = p.memory().map(4096).address();
    for (long ps : new long[] {0, 1, 512, 2048, 4095, 3 * 4096, 4096 + 1, -1L}) {
      assertThat(Migrations.logReport(p, fd, 0, 0x10000, ps, bitmap))
          .as("page size %d", ps)
          .isEqualTo(EINVAL);
    }
    assertThat(model.events()).doesNotContain("log report");
    for (long ps : new long[] {4096, 8192, 1L << 21, 1L << 30}) {
      assertThat(Migrations.logReport(p, fd, 0, 0x10000, ps, bitmap))
          .as("page size %d", ps)
          .isZero();
    }
  }

  @Test
  void aReportSpanThatWrapsIsEoverflow() {
    long bitmap = p.memory().map(4096).address();
    assertThat(Migrations.logReport(p, fd, 0xfffffffffffff000L, 0x2000, PAGE, bitmap))
        .isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(Migrations.logReport(p, fd, 0xfffffffffffff000L, 0x1000, PAGE, bitmap))
        .isEqualTo(Errno.EOVERFLOW.negative());
    // the page size is checked first
    assertThat(Migrations.logReport(p, fd, 0xfffffffffffff000L, 0x2000, 1000, bitmap))
        .isEqualTo(EINVAL);
  }

  @Test
  void anUnmappedBitmapIsEfault() {
    assertThat(Migrations.logReport(p, fd, 0, 64 * PAGE, PAGE, 0))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(Migrations.logReport(p, fd, 0, 64 * PAGE, PAGE, 0x1000))
        .isEqualTo(Errno.EFAULT.negative());
    // 128 pages need two u64 words; one is mapped
    long small = p.memory().map(8).address();
    assertThat(Migrations.logReport(p, fd, 0, 128 * PAGE, PAGE, small))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(Migrations.logReport(p, fd, 0, 64 * PAGE, PAGE, small)).isZero();
  }

  @Test
  void bitsFollowTheSpecNumberingAndAreOnlySet() {
    long iova = 0x100000;
    long ps = 8192;
    int[] pages = {0, 1, 63, 64, 130, 199};
    for (int k : pages) {
      log.dirty(iova + k * ps + 0x123);
    }
    // outside the span: not reported now, kept for later
    log.dirty(iova - ps, iova + 200 * ps);
    MemorySegment bitmap = p.memory().map(64);
    long preset = 0x0000_0100_0000_0000L;
    bitmap.set(U64, 8, preset);
    bitmap.set(U64, 32, -1L);
    assertThat(Migrations.logReport(p, fd, iova, 200 * ps, ps, bitmap.address())).isZero();
    assertThat(bitmap.get(U64, 0)).isEqualTo((1L << 0) | (1L << 1) | (1L << 63));
    assertThat(bitmap.get(U64, 8)).isEqualTo(preset | 1L);
    assertThat(bitmap.get(U64, 16)).isEqualTo(1L << 2);
    assertThat(bitmap.get(U64, 24)).isEqualTo(1L << 7);
    // the word after the bitmap is not touched
    assertThat(bitmap.get(U64, 32)).isEqualTo(-1L);

    // read-and-clear: a second report sets nothing new, and clears nothing either
    List<Long> before = words(bitmap, 4);
    assertThat(Migrations.logReport(p, fd, iova, 200 * ps, ps, bitmap.address())).isZero();
    assertThat(words(bitmap, 4)).isEqualTo(before);

    // a report at another page size than START's, over the remaining pages
    MemorySegment other = p.memory().map(16);
    assertThat(Migrations.logReport(p, fd, iova - ps, 202 * ps, 2 * ps, other.address())).isZero();
    // at 16 KiB pages from iova - ps: iova - ps is page 0, iova + 200 * ps is page 100
    assertThat(other.get(U64, 0)).isEqualTo(1L);
    assertThat(other.get(U64, 8)).isEqualTo(1L << 36);
  }

  private static List<Long> words(MemorySegment s, int n) {
    List<Long> w = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      w.add(s.get(U64, i * 8L));
    }
    return w;
  }
}
