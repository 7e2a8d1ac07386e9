package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Cdev.detach;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.DmaModel;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuHwInfo;
import io.jvfio.uapi.iommufd.IommuHwInfoVtd;
import io.jvfio.uapi.iommufd.IommufdIoctls;
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
 * iommufd dirty tracking end to end: a device attached to a HWPT allocated with
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING writes guest memory by DMA, and IOMMU_HWPT_GET_DIRTY_BITMAP
 * reports exactly the pages it wrote while tracking was on.
 */
class HwptDirtyTrackingTest {
  static final long IOVA = 0x4000_0000L;
  static final long RAM = 4L << 20;
  static final long PAGES = RAM / 4096;

  private final DmaModel model = new DmaModel();
  private Host host;
  private HostProcess p;
  private int fd;
  private int dev;
  private int ioas;
  private int hwpt;
  private MemorySegment ram;

  @BeforeEach
  void setUp() {
    host = Migrations.host(model);
    p = host.process("vmm");
    fd = openIommufdOk(p);
    dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
    int devid = bindOk(p, dev, fd);
    ioas = ioasAllocOk(p, fd);
    ram = p.memory().map(RAM);
    assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
    hwpt = hwptAlloc(p, fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, devid, ioas);
    assertThat(hwpt).isPositive();
    assertThat(attach(p, dev, hwpt)).isEqualTo(hwpt);
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  /** Seeded random writes (some across a page boundary): the pages they touched, as indexes. */
  private TreeSet<Long> randomWrites(long seed, int count) {
    SplittableRandom r = new SplittableRandom(seed);
    TreeSet<Long> pages = new TreeSet<>();
    for (int i = 0; i < count; i++) {
      long off = r.nextLong(RAM - 64);
      byte[] data = new byte[1 + r.nextInt(64)];
      r.nextBytes(data);
      model.dma().write(IOVA + off, MemorySegment.ofArray(data));
      assertThat(ram.asSlice(off, data.length).toArray(ValueLayout.JAVA_BYTE))
          .as("write %d landed in the VMM's memory", i)
          .isEqualTo(data);
      for (long pg = off / 4096; pg <= (off + data.length - 1) / 4096; pg++) {
        pages.add(pg);
      }
    }
    return pages;
  }

  private List<Long> bitmap(int flags) {
    return dirtyBits(p, fd, hwpt, flags, IOVA, RAM, 4096);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 1234})
  void theBitmapHoldsExactlyThePagesTheDeviceWrote(long seed) {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    TreeSet<Long> expected = randomWrites(seed, 1 + new SplittableRandom(seed).nextInt(300));
    assertThat(bitmap(0)).containsExactlyElementsOf(expected);
    // read and cleared: a second read finds nothing
    assertThat(bitmap(0)).isEmpty();
  }

  @Test
  void noClearKeepsTheBitsForTheNextRead() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    TreeSet<Long> expected = randomWrites(7, 50);
    assertThat(bitmap(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)).containsExactlyElementsOf(expected);
    assertThat(bitmap(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)).containsExactlyElementsOf(expected);
    assertThat(bitmap(0)).containsExactlyElementsOf(expected);
    assertThat(bitmap(0)).isEmpty();
  }

  @Test
  void writesWhileTrackingIsOffAreNotRecorded() {
    randomWrites(11, 40); // never enabled
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    assertThat(bitmap(0)).isEmpty();
    TreeSet<Long> on = randomWrites(12, 40);
    assertThat(setDirtyTracking(p, fd, hwpt, false)).isZero();
    randomWrites(13, 40);
    // while off nothing is reported (VT-d refuses a bitmap read), and nothing is cleared either
    assertThat(bitmap(0)).isEmpty();
    // enabling again starts from a clean snapshot
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    assertThat(bitmap(0)).isEmpty();
    assertThat(on).isNotEmpty();
  }

  @Test
  void enablingTwiceIsANoOpThatStillClears() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    randomWrites(5, 10);
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    assertThat(bitmap(0)).isEmpty();
  }

  @Test
  void coarserAndFinerPageSizesFoldAndSplitTheSamePages() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    TreeSet<Long> pages = randomWrites(21, 60);
    TreeSet<Long> folded = new TreeSet<>();
    pages.forEach(pg -> folded.add(pg / 16)); // 64 KiB bits
    assertThat(dirtyBits(p, fd, hwpt, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, IOVA, RAM, 0x10000))
        .containsExactlyElementsOf(folded);
    TreeSet<Long> split = new TreeSet<>();
    pages.forEach(pg -> split.addAll(List.of(pg * 2, pg * 2 + 1))); // 2 KiB bits
    assertThat(dirtyBits(p, fd, hwpt, 0, IOVA, RAM, 2048)).containsExactlyElementsOf(split);
  }

  @Test
  void aReadOfPartOfTheRangeReportsRelativeToItsIovaAndClearsOnlyIt() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    TreeSet<Long> pages = randomWrites(31, 200);
    long half = PAGES / 2;
    List<Long> second = dirtyBits(p, fd, hwpt, 0, IOVA + half * 4096, RAM / 2, 4096);
    List<Long> expectedSecond = new ArrayList<>();
    pages.tailSet(half).forEach(pg -> expectedSecond.add(pg - half));
    assertThat(second).containsExactlyElementsOf(expectedSecond);
    assertThat(bitmap(0)).containsExactlyElementsOf(pages.headSet(half));
  }

  @Test
  void aHoleInTheMappingsEndsTheWalkWithSuccess() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    randomWrites(41, 100);
    // the range runs past the mapping: pages before the hole are reported, and no error
    List<Long> bits = dirtyBits(p, fd, hwpt, 0, IOVA, RAM * 2, 4096);
    assertThat(bits).isNotEmpty().allMatch(b -> b < PAGES);
  }

  @Test
  void anUnmapDropsTheDirtyBitsOfWhatItRemoved() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    randomWrites(51, 100);
    assertThat(unmap(p, fd, ioas, IOVA, RAM).ret()).isZero();
    assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
    assertThat(bitmap(0)).isEmpty();
  }

  @Test
  void anAutoDomainHasNoDirtyTrackingAndAnExplicitHwptOutlivesItsDevices() {
    assertThat(detach(p, dev)).isZero();
    int auto = attach(p, dev, ioas);
    assertThat(auto).isNotEqualTo(hwpt);
    assertThat(setDirtyTracking(p, fd, auto, true)).isEqualTo(Errno.EOPNOTSUPP.negative());
    // the explicit HWPT stays until IOMMU_DESTROY, and the IOAS cannot go before it
    assertThat(objects(p, fd)).contains("hwpt_paging " + hwpt);
    assertThat(destroy(p, fd, ioas)).isEqualTo(Errno.EBUSY.negative());
    assertThat(destroy(p, fd, hwpt)).isZero();
    assertThat(objects(p, fd)).doesNotContain("hwpt_paging " + hwpt);
  }

  @Test
  void aDeviceMovesFromItsAutoDomainToTheDirtyTrackingHwptByReplace() {
    assertThat(detach(p, dev)).isZero();
    int auto = attach(p, dev, ioas);
    assertThat(objects(p, fd)).contains("hwpt_paging " + auto);
    // ATTACH with the HWPT id while attached: a replace; the auto domain goes with its device
    assertThat(attach(p, dev, hwpt)).isEqualTo(hwpt);
    assertThat(objects(p, fd)).doesNotContain("hwpt_paging " + auto);
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    assertThat(bitmap(0)).isEmpty();
    assertThat(randomWrites(61, 20)).isNotEmpty();
    assertThat(bitmap(0)).isNotEmpty();
  }

  @Test
  void unmapAllDropsEveryDirtyBit() {
    assertThat(setDirtyTracking(p, fd, hwpt, true)).isZero();
    randomWrites(71, 30);
    assertThat(unmap(p, fd, ioas, 0, ULONG_MAX).ret()).isZero();
    assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
    assertThat(bitmap(0)).isEmpty();
  }

  @Test
  void anAttachedHwptCannotBeDestroyed() {
    assertThat(destroy(p, fd, hwpt)).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void aDeviceWhoseIommuCannotTrackCannotJoinADirtyTrackingHwpt() {
    Host two = Migrations.host(new DmaModel(), new DmaModel());
    try {
      HostProcess q = two.process("vmm");
      int f = openIommufdOk(q);
      int d0 = Kit.openOk(q, Migrations.device(two, 0).cdevPath());
      int d1 = Kit.openOk(q, Migrations.device(two, 1).cdevPath());
      Migrations.device(two, 1).iommuGroup().setDirtyTracking(false);
      int id0 = bindOk(q, d0, f);
      bindOk(q, d1, f);
      int a = ioasAllocOk(q, f);
      int h = hwptAlloc(q, f, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, id0, a);
      assertThat(attach(q, d0, h)).isEqualTo(h);
      // intel-iommu: a domain with dirty tracking on a unit without SSADS is EINVAL at attach
      assertThat(attach(q, d1, h)).isEqualTo(Errno.EINVAL.negative());
      assertThat(attach(q, d1, a)).isPositive().isNotEqualTo(h);
    } finally {
      two.close();
    }
  }

  @Test
  void getHwInfoReportsTheVtdRegistersAndTheDirtyCapability() {
    MemorySegment data = p.memory().map(4096);
    data.fill((byte) 0x5a);
    MemorySegment s = Kit.buf(IommuHwInfo.SIZEOF);
    IommuHwInfo.SIZE.set(s, (int) IommuHwInfo.SIZEOF);
    IommuHwInfo.DEV_ID.set(s, 1);
    IommuHwInfo.DATA_LEN.set(s, 32);
    IommuHwInfo.DATA_UPTR.set(s, data.address());
    // out_max_pasid_log2 is an output: what the caller left there is overwritten, never refused
    IommuHwInfo.OUT_MAX_PASID_LOG2.set(s, 0x55);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_GET_HW_INFO, s)).isZero();
    assertThat(IommuHwInfo.OUT_MAX_PASID_LOG2.get(s)).isZero();
    assertThat(IommuHwInfo.OUT_DATA_TYPE.get(s)).isEqualTo(IOMMU_HW_INFO_TYPE_INTEL_VTD);
    assertThat(IommuHwInfo.DATA_LEN.get(s)).isEqualTo(24);
    assertThat(IommuHwInfo.OUT_CAPABILITIES.get(s)).isEqualTo(IOMMU_HW_CAP_DIRTY_TRACKING);
    long ecap = IommuHwInfoVtd.ECAP_REG.get(data);
    assertThat(ecap & (1L << 45)).as("ECAP.SLADS").isNotZero();
    assertThat(ecap & (1L << 43)).as("ECAP.SMTS").isNotZero();
    assertThat(ecap & (1L << 26)).as("ECAP.NEST").isZero();
    // intel_iommu_hw_info sets the errata bit whatever the unit
    assertThat(IommuHwInfoVtd.FLAGS.get(data)).isEqualTo(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
    // the user's buffer past the kernel's 24 bytes is zeroed, up to data_len; beyond it untouched
    assertThat(data.asSlice(24, 8).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
    assertThat(data.get(ValueLayout.JAVA_BYTE, 32)).isEqualTo((byte) 0x5a);

    // a short buffer gets only its length
    data.fill((byte) 0x5a);
    IommuHwInfo.DATA_LEN.set(s, 8);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_GET_HW_INFO, s)).isZero();
    assertThat(IommuHwInfo.DATA_LEN.get(s)).isEqualTo(24);
    assertThat(data.get(ValueLayout.JAVA_BYTE, 8)).isEqualTo((byte) 0x5a);

    // a unit without second-stage dirty bits: no capability, no SLADS
    Migrations.device(host, 0).iommuGroup().setDirtyTracking(false);
    IommuHwInfo.DATA_LEN.set(s, 24);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_GET_HW_INFO, s)).isZero();
    assertThat(IommuHwInfo.OUT_CAPABILITIES.get(s)).isZero();
    assertThat(IommuHwInfoVtd.ECAP_REG.get(data) & (1L << 45)).isZero();
  }
}
