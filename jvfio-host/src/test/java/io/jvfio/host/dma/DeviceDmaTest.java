package io.jvfio.host.dma;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Cdev.detach;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaFault;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.testkit.DmaModel;
import io.jvfio.host.testkit.Groups;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model's DMA ({@code DeviceContext.dma()}) against the memory the VMM mapped: writes land in the
 * VMM's own segment, refused accesses fault and are counted, and DMA dirty logging reports exactly
 * the pages the device wrote inside the logged ranges.
 */
class DeviceDmaTest {
  static final long IOVA = 0x1_0000_0000L;
  static final long RAM = 2L << 20;

  private final DmaModel model = new DmaModel();
  private Host host;
  private HostProcess p;
  private int fd;
  private int dev;
  private int ioas;
  private MemorySegment ram;

  @BeforeEach
  void setUp() {
    host = Migrations.host(model);
    p = host.process("vmm");
    fd = openIommufdOk(p);
    dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
    bindOk(p, dev, fd);
    ioas = ioasAllocOk(p, fd);
    ram = p.memory().map(RAM);
    assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
    assertThat(attach(p, dev, ioas)).isPositive();
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  private static MemorySegment bytes(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return MemorySegment.ofArray(b);
  }

  @Test
  void writesLandInTheVmmsMemoryAndReadsSeeIt() {
    MemorySegment src = bytes(1, 10_000); // crosses three pages
    model.dma().write(IOVA + 0x1ff0, src);
    assertThat(ram.asSlice(0x1ff0, src.byteSize()).mismatch(src)).isEqualTo(-1);
    // the VMM writes, the device reads it back
    ram.set(ValueLayout.JAVA_LONG_UNALIGNED, 0x8000, 0x1122334455667788L);
    MemorySegment dst = MemorySegment.ofArray(new long[1]);
    model.dma().read(IOVA + 0x8000, dst);
    assertThat(dst.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x1122334455667788L);
    assertThat(model.dma().faults()).isZero();
    assertThat(model.dma().writableRanges()).containsExactly(new Dma.Range(IOVA, RAM));
  }

  private void assertFault(Runnable access, DmaFault.Reason reason) {
    long before = model.dma().faults();
    byte[] snapshot = ram.toArray(ValueLayout.JAVA_BYTE);
    assertThatThrownBy(access::run)
        .isInstanceOfSatisfying(DmaFault.class, f -> assertThat(f.reason()).isEqualTo(reason));
    assertThat(model.dma().faults()).isEqualTo(before + 1);
    assertThat(ram.toArray(ValueLayout.JAVA_BYTE)).as("nothing written").isEqualTo(snapshot);
  }

  @Test
  void anUnmappedIovaFaultsAndWritesNothingEvenWhenPartlyMapped() {
    assertFault(() -> model.dma().write(IOVA - 0x1000, bytes(2, 16)), DmaFault.Reason.UNMAPPED);
    // the last 8 bytes of the mapping and 8 beyond it: nothing lands
    assertFault(() -> model.dma().write(IOVA + RAM - 8, bytes(3, 16)), DmaFault.Reason.UNMAPPED);
    assertFault(
        () -> model.dma().read(IOVA + RAM, MemorySegment.ofArray(new byte[8])),
        DmaFault.Reason.UNMAPPED);
  }

  @Test
  void aWriteToAReadOnlyMappingFaultsAndAReadWorks() {
    MemorySegment ro = p.memory().map(0x10000);
    long roIova = IOVA + RAM;
    int flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE;
    assertThat(map(p, fd, flags, ioas, ro.address(), 0x10000, roIova).ret()).isZero();
    ro.set(ValueLayout.JAVA_INT, 0, 77);
    assertFault(() -> model.dma().write(roIova, bytes(4, 8)), DmaFault.Reason.READ_ONLY);
    // a write spanning the writable mapping and the read-only one writes neither
    assertFault(() -> model.dma().write(roIova - 8, bytes(5, 16)), DmaFault.Reason.READ_ONLY);
    MemorySegment dst = MemorySegment.ofArray(new int[1]);
    model.dma().read(roIova, dst);
    assertThat(dst.get(ValueLayout.JAVA_INT, 0)).isEqualTo(77);
    assertThat(model.dma().writableRanges()).containsExactly(new Dma.Range(IOVA, RAM));
  }

  @Test
  void aDetachedDeviceCannotDmaAndAnUnmapTakesTheMemoryAway() {
    assertThat(detach(p, dev)).isZero();
    assertFault(() -> model.dma().write(IOVA, bytes(6, 8)), DmaFault.Reason.NOT_ATTACHED);
    assertThat(model.dma().writableRanges()).isEmpty();
    assertThat(attach(p, dev, ioas)).isPositive();
    model.dma().write(IOVA, bytes(7, 8));
    assertThat(unmap(p, fd, ioas, IOVA, RAM).ret()).isZero();
    assertFault(() -> model.dma().write(IOVA, bytes(8, 8)), DmaFault.Reason.UNMAPPED);
  }

  /** DMA_LOGGING_REPORT of {@code [iova, iova + length)} at 4 KiB: the set bits. */
  private List<Long> logReport(long iova, long length) {
    MemorySegment bitmap = p.memory().map(4096);
    assertThat(Migrations.logReport(p, dev, iova, length, 4096, bitmap.address())).isZero();
    List<Long> bits = new ArrayList<>();
    for (long w = 0; w < 512; w++) {
      for (long b = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8); b != 0; b &= b - 1) {
        bits.add(w * 64 + Long.numberOfTrailingZeros(b));
      }
    }
    return bits;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 9, 77, 2024})
  void dmaLoggingReportsExactlyThePagesWrittenInsideTheLoggedRanges(long seed) {
    // log the first and the last quarter of guest RAM; the middle is written but not logged
    long q = RAM / 4;
    assertThat(Migrations.logStart(p, dev, 4096, IOVA, q, IOVA + 3 * q, q).ret()).isZero();
    SplittableRandom r = new SplittableRandom(seed);
    TreeSet<Long> first = new TreeSet<>();
    TreeSet<Long> last = new TreeSet<>();
    for (int i = 0; i < 1 + r.nextInt(200); i++) {
      long off = r.nextLong(RAM - 32);
      int n = 1 + r.nextInt(32);
      model.dma().write(IOVA + off, bytes(r.nextLong(), n));
      for (long pg = off / 4096; pg <= (off + n - 1) / 4096; pg++) {
        if (pg < q / 4096) {
          first.add(pg);
        } else if (pg >= 3 * q / 4096) {
          last.add(pg - 3 * q / 4096);
        }
      }
    }
    assertThat(logReport(IOVA, q)).containsExactlyElementsOf(first);
    assertThat(logReport(IOVA + 3 * q, q)).containsExactlyElementsOf(last);
    // the unlogged middle reports nothing, and what was reported is cleared
    assertThat(logReport(IOVA + q, 2 * q)).isEmpty();
    assertThat(logReport(IOVA, q)).isEmpty();
  }

  @Test
  void aFaultedWriteIsNotLoggedAndLoggingStopsWithStop() {
    assertThat(Migrations.logStart(p, dev, 4096, new long[] {IOVA, RAM}).ret()).isZero();
    MemorySegment ro = p.memory().map(0x1000);
    int flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE;
    assertThat(map(p, fd, flags, ioas, ro.address(), 0x1000, IOVA + RAM).ret()).isZero();
    assertThatThrownBy(() -> model.dma().write(IOVA + RAM - 4, bytes(9, 8)))
        .isInstanceOf(DmaFault.class);
    assertThat(logReport(IOVA, RAM)).isEmpty();
    assertThat(Migrations.logStop(p, dev)).isZero();
    model.dma().write(IOVA, bytes(10, 8));
    assertThat(Migrations.logStart(p, dev, 4096, new long[] {IOVA, RAM}).ret()).isZero();
    assertThat(logReport(IOVA, RAM)).isEmpty();
  }

  @Test
  void aType1ContainerTranslatesTooWithoutDirtyBits() {
    Host h = Migrations.host(new DmaModel(), new DmaModel());
    DmaModel m = (DmaModel) Migrations.device(h, 1).model();
    try {
      HostProcess q = h.process("vmm");
      Groups.GroupDevice g = Groups.legacy(q, 2, "0000:00:02.0");
      MemorySegment mem = q.memory().map(0x4000);
      int rw = VfioConstants.VFIO_DMA_MAP_FLAG_READ | VfioConstants.VFIO_DMA_MAP_FLAG_WRITE;
      MemorySegment arg = Groups.dmaMap(32, rw, mem.address(), 0x10000, 0x4000);
      assertThat(q.ioctl(g.container(), VfioIoctls.VFIO_IOMMU_MAP_DMA, arg)).isZero();
      MemorySegment src = bytes(11, 100);
      m.dma().write(0x10000 + 0x3f00, src);
      assertThat(mem.asSlice(0x3f00, 100).mismatch(src)).isEqualTo(-1);
      assertThatThrownBy(() -> m.dma().write(0x10000 + 0x3f00, bytes(12, 0x200)))
          .isInstanceOfSatisfying(
              DmaFault.class, f -> assertThat(f.reason()).isEqualTo(DmaFault.Reason.UNMAPPED));
      assertThat(m.dma().writableRanges()).containsExactly(new Dma.Range(0x10000, 0x4000));
    } finally {
      h.close();
    }
  }

  @Test
  void anMdevWritesThroughItsAccessAndNoHwptSeesIt() {
    DmaModel edu = new DmaModel();
    DmaModel mtty = new DmaModel();
    ModelRegistry models =
        ModelRegistry.builtin().register("edu", () -> edu).register("mtty2", () -> mtty);
    Host lab = new Host(DefaultHost.labVm(), models);
    try {
      HostProcess q = lab.process("vmm");
      int f = openIommufdOk(q);
      int pci = Kit.openOk(q, lab.device(DefaultHost.LAB_EDU_A).orElseThrow().cdevPath());
      int md = Kit.openOk(q, lab.mdev(DefaultHost.LAB_MTTY.get(0)).orElseThrow().cdevPath());
      int pciId = bindOk(q, pci, f);
      bindOk(q, md, f);
      int a = ioasAllocOk(q, f);
      MemorySegment mem = q.memory().map(RAM);
      assertThat(mapFixed(q, f, a, IOVA, mem.address(), RAM)).isZero();
      int h = hwptAlloc(q, f, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, pciId, a);
      assertThat(attach(q, pci, h)).isEqualTo(h);
      assertThat(attach(q, md, a)).isEqualTo(a); // an access leaves pt_id as given
      assertThat(setDirtyTracking(q, f, h, true)).isZero();

      MemorySegment src = bytes(13, 64);
      mtty.dma().write(IOVA + 0x5000, src);
      assertThat(mem.asSlice(0x5000, 64).mismatch(src)).isEqualTo(-1);
      // iommufd_access_rw copies through the IOAS's pages, not through any IOMMU page table
      assertThat(dirtyBits(q, f, h, 0, IOVA, RAM, 4096)).isEmpty();
      edu.dma().write(IOVA + 0x7000, src);
      assertThat(dirtyBits(q, f, h, 0, IOVA, RAM, 4096)).containsExactly(7L);
    } finally {
      lab.close();
    }
  }
}
