package io.jvfio.devices.memdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaFault;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.DmaLogging.Range;
import io.jvfio.host.sdk.DmaPort;
import io.jvfio.host.sdk.DmaSpace;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.uapi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * memdev's DMA: its workload writes guest memory through the device's DMA (here one flat mapping of
 * 1 MiB at IOVA 1 MiB, standing in for the host's IO page table), and its DMA log reports exactly
 * the pages those writes changed inside the logged ranges, nothing it did not write.
 */
class MemDeviceDmaLoggingTest {
  static final long IOVA = 0x100000;
  static final long GUEST = 0x100000;
  static final long GUEST_PAGES = GUEST / 4096;

  private final Arena arena = Arena.ofConfined();
  private final MemDevice dev = new MemDevice(MemDevice.Config.defaults().withMemorySize(64 << 10));

  @AfterEach
  void destroy() {
    dev.destroy();
    arena.close();
  }

  /** Guest memory, mapped for DMA at {@link #IOVA}: what the VMM sees. */
  private MemorySegment attach(MemDevice d) {
    MemorySegment guest = arena.allocate(GUEST, 4096);
    DmaSpace space =
        new DmaSpace() {
          @Override
          public void access(long iova, long length, boolean write, Piece piece) {
            if (iova < IOVA || iova - IOVA > GUEST - length) {
              throw new DmaFault(DmaFault.Reason.UNMAPPED, iova, length);
            }
            piece.accept(0, guest.asSlice(iova - IOVA, length));
          }

          @Override
          public List<Dma.Range> writableRanges() {
            return List.of(new Dma.Range(IOVA, GUEST));
          }
        };
    d.open(
        new DeviceContext(
            "0000:01:00.0",
            0x1234,
            0x11e8,
            new ReentrantReadWriteLock(),
            new DmaPort(space, d::dmaLogging)));
    return guest;
  }

  private static TreeSet<Long> report(DmaLogging log, long iova, long length, long pageSize) {
    TreeSet<Long> pages = new TreeSet<>();
    log.report(iova, length, pageSize, p -> assertThat(pages.add(p)).isTrue());
    return pages;
  }

  /** Pages of {@code guest} from {@code fromPage} on (relative to it) that are not all zero. */
  private static TreeSet<Long> written(MemorySegment guest, long fromPage, long pages) {
    TreeSet<Long> out = new TreeSet<>();
    for (long p = 0; p < pages; p++) {
      MemorySegment page = guest.asSlice((fromPage + p) * 4096, 4096);
      for (long o = 0; o < 4096; o += 8) {
        if (page.get(ValueLayout.JAVA_LONG, o) != 0) {
          out.add(p);
          break;
        }
      }
    }
    return out;
  }

  @Test
  void theWorkloadWritesGuestMemoryAndTheLogReportsExactlyThoseWrites() {
    MemorySegment guest = attach(dev);
    DmaLogging log = dev.dmaLogging();
    assertThat(log.start(List.of(new Range(IOVA, GUEST)), 4096)).isEqualTo(4096);
    assertThat(dev.dmaLoggingActive()).isTrue();
    dev.runWorkload(500);
    assertThat(dev.dmaWrites()).isEqualTo(500);
    TreeSet<Long> changed = written(guest, 0, GUEST_PAGES);
    assertThat(changed).hasSizeGreaterThan(100);
    assertThat(report(log, IOVA, GUEST, 4096)).isEqualTo(changed);
    assertThat(report(log, IOVA, GUEST, 4096)).isEmpty();
  }

  @Test
  void writesOutsideTheLoggedRangesAreNotReported() {
    MemorySegment guest = attach(dev);
    DmaLogging log = dev.dmaLogging();
    long half = GUEST / 2;
    log.start(List.of(new Range(IOVA + half, half)), 4096);
    dev.runWorkload(400);
    TreeSet<Long> inHalf = written(guest, GUEST_PAGES / 2, GUEST_PAGES / 2);
    assertThat(written(guest, 0, GUEST_PAGES / 2)).as("the unlogged half was written").isNotEmpty();
    // a report over everything finds only the logged half, relative to the report's iova
    TreeSet<Long> all = report(log, IOVA, GUEST, 4096);
    TreeSet<Long> expected = new TreeSet<>();
    inHalf.forEach(p -> expected.add(p + GUEST_PAGES / 2));
    assertThat(all).isEqualTo(expected);
  }

  @Test
  void aCoarserReportFoldsPagesAndReportsOnlyItsWindow() {
    MemorySegment guest = attach(dev);
    DmaLogging log = dev.dmaLogging();
    log.start(List.of(new Range(IOVA, GUEST)), 4096);
    dev.runWorkload(50);
    TreeSet<Long> folded = new TreeSet<>();
    written(guest, 0, GUEST_PAGES).forEach(p -> folded.add(p / 16));
    assertThat(report(log, IOVA, GUEST, 0x10000)).isEqualTo(folded);
  }

  @Test
  void withoutMappedMemoryTheWorkloadOnlyDirtiesDeviceMemory() {
    MemDevice other = new MemDevice(MemDevice.Config.defaults().withMemorySize(64 << 10));
    try {
      other.open(new DeviceContext("0000:01:00.1", 0x1234, 0x11e8)); // no DMA at all
      other.dmaLogging().start(List.of(new Range(IOVA, GUEST)), 4096);
      other.runWorkload(300);
      assertThat(other.dmaWrites()).isZero();
      assertThat(report(other.dmaLogging(), IOVA, GUEST, 4096)).isEmpty();
      // the device-memory workload is the same with or without DMA
      attach(dev);
      dev.runWorkload(300);
      assertThat(dev.digest()).isEqualTo(other.digest());
    } finally {
      other.destroy();
    }
  }

  @Test
  void aDmaRateOfZeroWritesNoGuestMemory() {
    MemDevice quiet =
        new MemDevice(MemDevice.Config.defaults().withMemorySize(64 << 10).withDmaRate(0));
    try {
      MemorySegment guest = attach(quiet);
      quiet.runWorkload(100);
      assertThat(quiet.dmaWrites()).isZero();
      assertThat(written(guest, 0, GUEST_PAGES)).isEmpty();
      // explicit DMA writes still work
      assertThat(quiet.runDmaWrites(10)).isEqualTo(10);
      assertThat(written(guest, 0, GUEST_PAGES)).isNotEmpty();
    } finally {
      quiet.destroy();
    }
  }

  @Test
  void dmaWritesAreReproducibleFromTheSeed() {
    MemDevice twin = new MemDevice(MemDevice.Config.defaults().withMemorySize(64 << 10));
    try {
      MemorySegment a = attach(dev);
      MemorySegment b = attach(twin);
      dev.runDmaWrites(200);
      twin.runDmaWrites(200);
      assertThat(a.mismatch(b)).isEqualTo(-1);
    } finally {
      twin.destroy();
    }
  }

  @Test
  void startTwiceIsEinvalAndStopEndsLogging() {
    attach(dev);
    DmaLogging log = dev.dmaLogging();
    log.stop(); // not started: nothing to do
    log.start(List.of(new Range(IOVA, GUEST)), 4096);
    assertThatThrownBy(() -> log.start(List.of(new Range(IOVA, 0x1000)), 4096))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    dev.runWorkload(10);
    log.stop();
    assertThat(dev.dmaLoggingActive()).isFalse();
    dev.runWorkload(10);
    // as mlx5: no report while logging is off
    assertThatThrownBy(() -> report(log, IOVA, GUEST, 4096))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    // a fresh start tracks again, from nothing: the writes while stopped were not kept
    log.start(List.of(new Range(IOVA, GUEST)), 8192);
    assertThat(report(log, IOVA, GUEST, 4096)).isEmpty();
    dev.runWorkload(10);
    assertThat(report(log, IOVA, GUEST, 4096)).isNotEmpty();
  }
}
