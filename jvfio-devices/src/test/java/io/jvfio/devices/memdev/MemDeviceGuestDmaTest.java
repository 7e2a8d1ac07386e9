package io.jvfio.devices.memdev;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * memdev in an emulated host, as a VMM drives it: guest RAM mapped into an IOAS, the device
 * attached to a HWPT with dirty tracking, DMA logging started. The workload's DMA lands in the
 * VMM's RAM, and both the device's DMA log and the IOMMU's dirty bitmap report exactly the pages it
 * changed.
 */
class MemDeviceGuestDmaTest {
  static final long IOVA = 0x8000_0000L;
  static final long RAM = 4L << 20;
  static final int PAGES = (int) (RAM / 4096);

  private MemDevice memdev;
  private Host host;
  private HostProcess p;
  private int fd;
  private int dev;
  private int hwpt;
  private MemorySegment ram;

  void setUp(long seed) {
    memdev = new MemDevice(MemDevice.Config.defaults().withMemorySize(1 << 20).withSeed(seed));
    host = Migrations.host(memdev);
    p = host.process("vmm");
    fd = openIommufdOk(p);
    dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
    int devid = bindOk(p, dev, fd);
    int ioas = ioasAllocOk(p, fd);
    ram = p.memory().map(RAM);
    assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
    hwpt = hwptAlloc(p, fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, devid, ioas);
    assertThat(attach(p, dev, hwpt)).isEqualTo(hwpt);
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    assertThat(Migrations.logStart(p, dev, 4096, new long[] {IOVA, RAM}).ret()).isZero();
  }

  @BeforeEach
  void defaults() {
    setUp(1);
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  /** The pages of guest RAM that are not all zero. */
  private List<Long> changedPages() {
    List<Long> out = new ArrayList<>();
    for (long pg = 0; pg < PAGES; pg++) {
      for (long o = 0; o < 4096; o += 8) {
        if (ram.get(ValueLayout.JAVA_LONG, pg * 4096 + o) != 0) {
          out.add(pg);
          break;
        }
      }
    }
    return out;
  }

  private List<Long> logReport() {
    MemorySegment bitmap = p.memory().map(4096);
    assertThat(Migrations.logReport(p, dev, IOVA, RAM, 4096, bitmap.address())).isZero();
    List<Long> bits = new ArrayList<>();
    for (long w = 0; w < PAGES / 64; w++) {
      for (long b = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8); b != 0; b &= b - 1) {
        bits.add(w * 64 + Long.numberOfTrailingZeros(b));
      }
    }
    return bits;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 5, 99})
  void theDmaLogAndTheIommuBitmapBothReportExactlyThePagesTheWorkloadWrote(long seed) {
    host.close();
    setUp(seed);
    memdev.runWorkload(2000);
    List<Long> changed = changedPages();
    assertThat(changed).hasSizeGreaterThan(300);
    assertThat(logReport()).isEqualTo(changed);
    assertThat(dirtyBits(p, fd, hwpt, 0, IOVA, RAM, 4096)).isEqualTo(changed);
    assertThat(memdev.dmaWrites()).isEqualTo(2000);
    assertThat(Migrations.device(host, 0).dma().faults()).isZero();
  }

  @Test
  void theWorkloadThreadWritesWhileTheVmmReadsTheLogsAndNothingIsLost() throws Exception {
    memdev.setDirtyRate(50_000);
    // read both logs while the thread writes, then stop the device (quiescing it) and read again
    java.util.TreeSet<Long> logged = new java.util.TreeSet<>();
    java.util.TreeSet<Long> tracked = new java.util.TreeSet<>();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (memdev.dmaWrites() < 3000) {
      assertThat(System.nanoTime()).as("the workload makes progress").isLessThan(deadline);
      logged.addAll(logReport());
      tracked.addAll(dirtyBits(p, fd, hwpt, 0, IOVA, RAM, 4096));
      Thread.sleep(1);
    }
    Migrations.set(p, dev, MigrationState.STOP);
    long writes = memdev.dmaWrites();
    logged.addAll(logReport());
    tracked.addAll(dirtyBits(p, fd, hwpt, 0, IOVA, RAM, 4096));
    assertThat(memdev.dmaWrites()).as("stopped").isEqualTo(writes);
    List<Long> changed = changedPages();
    assertThat(logged).containsExactlyElementsOf(changed);
    assertThat(tracked).containsExactlyElementsOf(changed);
  }

  @Test
  void aStoppedDeviceWritesNoGuestMemory() {
    Migrations.set(p, dev, MigrationState.STOP);
    assertThat(memdev.runDmaWrites(100)).isZero();
    assertThat(changedPages()).isEmpty();
    assertThat(logReport()).isEmpty();
  }
}
