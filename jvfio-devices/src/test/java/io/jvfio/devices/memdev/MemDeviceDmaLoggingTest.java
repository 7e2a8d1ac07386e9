package io.jvfio.devices.memdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.DmaLogging.Range;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.uapi.Errno;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemDeviceDmaLoggingTest {
  private final MemDevice dev = new MemDevice(MemDevice.Config.defaults().withMemorySize(64 << 10));

  @AfterEach
  void destroy() {
    dev.destroy();
  }

  private static TreeSet<Long> report(DmaLogging log, long iova, long length, long pageSize) {
    TreeSet<Long> pages = new TreeSet<>();
    log.report(iova, length, pageSize, p -> assertThat(pages.add(p)).isTrue());
    return pages;
  }

  @Test
  void theWorkloadDmaWritesInsideTheLoggedRangesAndReportsClearTheLog() {
    DmaLogging log = dev.dmaLogging();
    List<Range> ranges = List.of(new Range(0x100000, 0x10000), new Range(0x400000, 0x2000));
    assertThat(log.start(ranges, 4096)).isEqualTo(4096);
    assertThat(dev.dmaLoggingActive()).isTrue();
    dev.runWorkload(500);

    TreeSet<Long> pages = report(log, 0, 0x500000, 4096);
    assertThat(pages).isNotEmpty();
    for (long p : pages) {
      long a = p * 4096;
      assertThat((a >= 0x100000 && a < 0x110000) || (a >= 0x400000 && a < 0x402000))
          .as("page at 0x%x", a)
          .isTrue();
    }
    // both ranges got DMA: 16 + 2 pages, 500 writes
    assertThat(pages.subSet(0x100L, 0x110L)).hasSize(16);
    assertThat(pages.subSet(0x400L, 0x402L)).hasSize(2);
    assertThat(report(log, 0, 0x500000, 4096)).isEmpty();
  }

  @Test
  void reportsAreRelativeToTheirIovaAndPageSizeAndClearOnlyTheirWindow() {
    DmaLogging log = dev.dmaLogging();
    log.start(List.of(new Range(0x200000, 0x400000)), 4096);
    dev.runWorkload(2000);
    // a 2 MiB page size folds the 4 MiB range into two bits
    assertThat(report(log, 0x200000, 0x400000, 0x200000)).containsExactly(0L, 1L);
    dev.runWorkload(2000);
    // first half only, at 4 KiB relative to 0x200000
    TreeSet<Long> first = report(log, 0x200000, 0x200000, 4096);
    assertThat(first).isNotEmpty();
    assertThat(first.last()).isLessThan(512);
    // the second half is still logged, relative to 0x400000 now
    TreeSet<Long> second = report(log, 0x400000, 0x200000, 4096);
    assertThat(second).isNotEmpty();
    assertThat(second.last()).isLessThan(512);
    assertThat(report(log, 0x200000, 0x400000, 4096)).isEmpty();
  }

  @Test
  void startTwiceIsEinvalAndStopEndsLogging() {
    DmaLogging log = dev.dmaLogging();
    log.stop(); // not started: nothing to do
    log.start(List.of(new Range(0, 0x10000)), 4096);
    assertThatThrownBy(() -> log.start(List.of(new Range(0, 0x1000)), 4096))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    dev.runWorkload(10);
    log.stop();
    assertThat(dev.dmaLoggingActive()).isFalse();
    dev.runWorkload(10);
    assertThat(report(log, 0, 0x10000, 4096)).isEmpty();
    // a fresh start tracks again
    log.start(List.of(new Range(0, 0x10000)), 8192);
    dev.runWorkload(10);
    assertThat(report(log, 0, 0x10000, 4096)).isNotEmpty();
  }

  @Test
  void aRangeAtTheTopOfTheAddressSpaceWorks() {
    DmaLogging log = dev.dmaLogging();
    long iova = -0x20000L; // 0xffff_ffff_fffe_0000: 16 pages just below the last 64 KiB
    log.start(List.of(new Range(iova, 0x10000)), 4096);
    dev.runWorkload(200);
    TreeSet<Long> pages = report(log, iova, 0x10000, 4096);
    assertThat(pages).isNotEmpty();
    assertThat(pages.first()).isGreaterThanOrEqualTo(0);
    assertThat(pages.last()).isLessThan(16);
  }

  @Test
  void theMemoryWorkloadDoesNotDependOnDmaLogging() {
    MemDevice other = new MemDevice(MemDevice.Config.defaults().withMemorySize(64 << 10));
    try {
      dev.dmaLogging().start(List.of(new Range(0, 1 << 20)), 4096);
      dev.runWorkload(300);
      other.runWorkload(300);
      assertThat(dev.digest()).isEqualTo(other.digest());
    } finally {
      other.destroy();
    }
  }
}
