package io.jvfio.host.legacy;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.ContainerFile;
import io.jvfio.host.vfio.Type1Iommu;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioInfoCapHeader;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.uapi.vfio.VfioIommuType1Info;
import io.jvfio.uapi.vfio.VfioIommuType1InfoCapIovaRange;
import io.jvfio.uapi.vfio.VfioIommuType1InfoCapMigration;
import io.jvfio.uapi.vfio.VfioIommuType1InfoDmaAvail;
import io.jvfio.uapi.vfio.VfioIovaRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** VFIO_IOMMU_GET_INFO, MAP_DMA and UNMAP_DMA of a type1 container (vfio_iommu_type1.c). */
class Type1DmaTest {
  private static final int RW = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
  private static final long PAGE = 0x1000;
  private static final long MSI = 0xfee00000L;
  private static final long CAPS_SIZE = 32 + 16 + 16 + 2 * 16;

  private HostProcess p;
  private int c;
  private MemorySegment mem;

  private void setUp(int type) {
    p = defaultHost().process("vmm");
    c = legacy(p, ROOT_GROUP, type).container();
    mem = p.memory().map(64 * PAGE);
  }

  private int map(int flags, long vaddr, long iova, long size) {
    return p.ioctl(c, VfioIoctls.VFIO_IOMMU_MAP_DMA, dmaMap(32, flags, vaddr, iova, size));
  }

  private int map(long iova, long size) {
    return map(RW, mem.address(), iova, size);
  }

  /** The size written back, or the negative errno. */
  private long unmap(int flags, long iova, long size) {
    MemorySegment s = dmaUnmap(24, flags, iova, size);
    int rc = p.ioctl(c, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, s);
    return rc < 0 ? rc : VfioIommuType1DmaUnmap.SIZE.get(s);
  }

  private long unmap(long iova, long size) {
    return unmap(0, iova, size);
  }

  private Type1Iommu iommu() {
    return ((ContainerFile) p.file(c)).iommu();
  }

  // ---- MAP_DMA ----

  @Test
  void mapChecksTheStructBeforeTheRange() {
    setUp(VFIO_TYPE1v2_IOMMU);
    long va = mem.address();
    // fewer than 32 readable bytes: EFAULT
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_MAP_DMA, alloc(31)))
        .isEqualTo(Errno.EFAULT.negative());
    // argsz < 32
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_MAP_DMA, dmaMap(31, RW, va, 0, PAGE)))
        .isEqualTo(Errno.EINVAL.negative());
    // unknown flag bits, even with an otherwise broken struct
    assertThat(map(RW | 8, va, 0, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(1 << 31, va, 0, 0)).isEqualTo(Errno.EINVAL.negative());
    // size 0
    assertThat(map(RW, va, 0, 0)).isEqualTo(Errno.EINVAL.negative());
    // no permission, or VADDR together with a permission
    assertThat(map(0, va, 0, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_VADDR, va, 0, PAGE))
        .isEqualTo(Errno.EINVAL.negative());
    // misaligned size, iova or vaddr
    assertThat(map(RW, va, 0, PAGE + 1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(RW, va, 0x800, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(RW, va + 8, 0, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(iommu().mappings()).isEmpty();
    // a larger argsz is fine
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_MAP_DMA, dmaMap(4096, RW, va, 0, PAGE))).isZero();
  }

  @Test
  void readOnlyAndWriteOnlyMappingsAreAllowed() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(VFIO_DMA_MAP_FLAG_READ, mem.address(), 0, PAGE)).isZero();
    assertThat(map(VFIO_DMA_MAP_FLAG_WRITE, mem.address(), PAGE, PAGE)).isZero();
    assertThat(iommu().mappings()).hasSize(2);
  }

  @Test
  void mapWrappingTheAddressSpaceIsEoverflow() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(RW, mem.address(), -PAGE, 2 * PAGE)).isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(map(RW, -PAGE, 0, 2 * PAGE)).isEqualTo(Errno.EOVERFLOW.negative());
    // ending exactly at 2^64-1 does not wrap; it is outside the aperture instead
    assertThat(map(RW, mem.address(), -PAGE, PAGE)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void overlappingMappingsAreEexist() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
    assertThat(map(0x100000, 4 * PAGE)).isEqualTo(Errno.EEXIST.negative());
    assertThat(map(0x101000, PAGE)).isEqualTo(Errno.EEXIST.negative());
    assertThat(map(0x0ff000, 2 * PAGE)).isEqualTo(Errno.EEXIST.negative());
    assertThat(map(0x103000, 2 * PAGE)).isEqualTo(Errno.EEXIST.negative());
    assertThat(map(0x0f0000, 0x20000)).isEqualTo(Errno.EEXIST.negative());
    // adjacent ranges are separate mappings, never merged
    assertThat(map(0x0ff000, PAGE)).isZero();
    assertThat(map(0x104000, PAGE)).isZero();
    assertThat(iommu().mappings()).hasSize(3);
  }

  @Test
  void overlapIsCheckedBeforeTheValidRange() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(MSI - PAGE, PAGE)).isZero();
    assertThat(map(MSI - PAGE, 2 * PAGE)).isEqualTo(Errno.EEXIST.negative());
  }

  @Test
  void theMsiWindowAndAddressesPastTheApertureAreEinval() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(MSI, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(0xfeeff000L, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(MSI - PAGE, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(0xfeeff000L, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(1L << 48, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map((1L << 48) - PAGE, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(iommu().mappings()).isEmpty();
    assertThat(map(MSI - PAGE, PAGE)).isZero();
    assertThat(map(0xfef00000L, PAGE)).isZero();
    assertThat(map((1L << 48) - PAGE, PAGE)).isZero();
  }

  @Test
  void readOnlyMemoryPinsOnlyForAReadOnlyMapping() {
    setUp(VFIO_TYPE1v2_IOMMU);
    MemorySegment ro =
        p.memory().adopt(java.lang.foreign.Arena.ofAuto().allocate(2 * PAGE, PAGE).asReadOnly());
    // a device that may write needs the pages pinned for write: a read-only mapping faults
    assertThat(map(RW, ro.address(), 0, PAGE)).isEqualTo(Errno.EFAULT.negative());
    assertThat(map(VFIO_DMA_MAP_FLAG_WRITE, ro.address(), 0, PAGE))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(iommu().mappings()).isEmpty();
    assertThat(map(VFIO_DMA_MAP_FLAG_READ, ro.address(), 0, PAGE)).isZero();
  }

  @Test
  void unmappedUserMemoryIsEfaultAndLeavesNoMapping() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(RW, 0x10000L, 0, PAGE)).isEqualTo(Errno.EFAULT.negative());
    // memory the process never mapped, even if the JVM has it
    MemorySegment foreign = alloc(2 * PAGE);
    long aligned = (foreign.address() + PAGE - 1) & -PAGE;
    assertThat(map(RW, aligned, 0, PAGE)).isEqualTo(Errno.EFAULT.negative());
    // running past the end of a mapping
    assertThat(map(RW, mem.address() + 63 * PAGE, 0, 2 * PAGE)).isEqualTo(Errno.EFAULT.negative());
    assertThat(iommu().mappings()).isEmpty();
    assertThat(map(RW, mem.address() + 63 * PAGE, 0, PAGE)).isZero();
  }

  @Test
  void vaddrUpdateNeedsAnInvalidatedMappingOfTheSameRange() {
    setUp(VFIO_TYPE1v2_IOMMU);
    int vaddrFlag = VFIO_DMA_MAP_FLAG_VADDR;
    assertThat(map(vaddrFlag, mem.address(), 0, PAGE)).isEqualTo(Errno.ENOENT.negative());
    assertThat(map(0, 2 * PAGE)).isZero();
    // the mapping's vaddr is still valid
    assertThat(map(vaddrFlag, mem.address(), 0, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_VADDR, 0, 2 * PAGE)).isEqualTo(2 * PAGE);
    assertThat(iommu().mappings()).hasSize(1);
    // invalidating twice fails
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_VADDR, 0, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    // a different size is EINVAL, the same range succeeds
    assertThat(map(vaddrFlag, mem.address(), 0, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(map(vaddrFlag, mem.address() + 4 * PAGE, 0, 2 * PAGE)).isZero();
    assertThat(iommu().mappings().get(0L).vaddr()).isEqualTo(mem.address() + 4 * PAGE);
    assertThat(iommu().mappings().get(0L).vaddrValid()).isTrue();
  }

  @Test
  void vaddrUpdatePinsNothingSoAnyAlignedVaddrIsAccepted() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0x100000, PAGE)).isZero();
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_VADDR, 0x100000, PAGE)).isEqualTo(PAGE);
    // vfio_dma_do_map only moves the locked-memory accounting; pages are pinned on later use
    assertThat(map(VFIO_DMA_MAP_FLAG_VADDR, 0x7000_0000_0000L, 0x100000, PAGE)).isZero();
    assertThat(iommu().mappings().get(0x100000L).vaddr()).isEqualTo(0x7000_0000_0000L);
  }

  // ---- UNMAP_DMA ----

  @Test
  void unmapChecksTheStruct() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0, PAGE)).isZero();
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, alloc(23)))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, dmaUnmap(23, 0, 0, PAGE)))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(8, 0, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_ALL, 0, 0))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(0, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(0x800, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(0, PAGE + 1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(-PAGE, 2 * PAGE)).isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(iommu().mappings()).hasSize(1);
  }

  @Test
  void unmapOfAnExactMappingReturnsItsSize() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0x200000, 8 * PAGE)).isZero();
    MemorySegment s = dmaUnmap(24, 0, 0x200000, 8 * PAGE);
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, s)).isZero();
    assertThat(VfioIommuType1DmaUnmap.SIZE.get(s)).isEqualTo(8 * PAGE);
    assertThat(VfioIommuType1DmaUnmap.ARGSZ.get(s)).isEqualTo(24);
    assertThat(VfioIommuType1DmaUnmap.IOVA.get(s)).isEqualTo(0x200000);
    assertThat(iommu().mappings()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU})
  void unmapOfNothingSucceedsWithSizeZero(int type) {
    setUp(type);
    assertThat(unmap(0x100000, PAGE)).isZero();
    assertThat(map(0x100000, PAGE)).isZero();
    assertThat(unmap(0x200000, 0x100000)).isZero();
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_ALL, 0, 0)).isEqualTo(PAGE);
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_ALL, 0, 0)).isZero();
  }

  @Test
  void v2RefusesToSplitAMapping() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
    assertThat(map(0x104000, 4 * PAGE)).isZero();
    MemorySegment s = dmaUnmap(24, 0, 0x101000, PAGE);
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, s)).isEqualTo(Errno.EINVAL.negative());
    // nothing is written back on error
    assertThat(VfioIommuType1DmaUnmap.SIZE.get(s)).isEqualTo(PAGE);
    assertThat(unmap(0x100000, PAGE)).isEqualTo(Errno.EINVAL.negative()); // cuts the end
    assertThat(unmap(0x0ff000, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(0x103000, 2 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(0x100000, 6 * PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(iommu().mappings()).hasSize(2);
    // a superset of whole mappings removes them all
    assertThat(unmap(0x0f0000, 0x20000)).isEqualTo(8 * PAGE);
    assertThat(iommu().mappings()).isEmpty();
  }

  @Test
  void v1UnmapStopsAtAMappingThatStartsBeforeTheRange() {
    setUp(VFIO_TYPE1_IOMMU);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
    assertThat(map(0x104000, 4 * PAGE)).isZero();
    // starts inside the first mapping: nothing at all is unmapped, not even the second
    assertThat(unmap(0x101000, 0x10000)).isZero();
    assertThat(iommu().mappings()).hasSize(2);
  }

  @Test
  void v1UnmapRemovesWholeMappingsEvenPastTheRange() {
    setUp(VFIO_TYPE1_IOMMU);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
    assertThat(map(0x104000, 4 * PAGE)).isZero();
    assertThat(map(0x200000, PAGE)).isZero();
    assertThat(unmap(0x100000, PAGE)).isEqualTo(4 * PAGE);
    assertThat(unmap(0x0ff000, 6 * PAGE)).isEqualTo(4 * PAGE);
    assertThat(iommu().mappings()).containsOnlyKeys(0x200000L);
  }

  @ParameterizedTest
  @ValueSource(ints = {VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU})
  void unmapAllTakesNoRange(int type) {
    setUp(type);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
    assertThat(map(MSI + 0x100000, PAGE)).isZero();
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_ALL, PAGE, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_ALL, 0, PAGE)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_ALL, 0x800, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(iommu().mappings()).hasSize(2);
    assertThat(unmap(VFIO_DMA_UNMAP_FLAG_ALL, 0, 0)).isEqualTo(5 * PAGE);
    assertThat(iommu().mappings()).isEmpty();
  }

  @Test
  void unmappedRangesCanBeMappedAgain() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
    assertThat(unmap(0x100000, 4 * PAGE)).isEqualTo(4 * PAGE);
    assertThat(map(0x100000, 4 * PAGE)).isZero();
  }

  // ---- GET_INFO ----

  private MemorySegment info(long bytes, int argsz) {
    MemorySegment s = alloc(bytes);
    s.fill((byte) 0xee);
    VfioIommuType1Info.ARGSZ.set(s, argsz);
    return s;
  }

  @Test
  void getInfoBelowMinszIsEinvalAndShortMemoryEfault() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, info(24, 15)))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, info(15, 16)))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void getInfoWithArgsz16ReportsTheNeededSizeAndLeavesCapOffsetAlone() {
    setUp(VFIO_TYPE1v2_IOMMU);
    MemorySegment s = info(24, 16);
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, s)).isZero();
    assertThat(VfioIommuType1Info.ARGSZ.getUnsigned(s)).isEqualTo(24 + CAPS_SIZE);
    assertThat(VfioIommuType1Info.FLAGS.get(s))
        .isEqualTo(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
    assertThat(VfioIommuType1Info.IOVA_PGSIZES.get(s)).isEqualTo(0x40201000L);
    assertThat(VfioIommuType1Info.CAP_OFFSET.get(s)).isEqualTo(0xeeeeeeee);
    assertThat(VfioIommuType1Info.PAD.get(s)).isEqualTo(0xeeeeeeee);
    // and exactly 16 bytes of memory suffice
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, info(16, 16))).isZero();
  }

  @Test
  void getInfoTooSmallForTheCapsWritesCapOffsetZero() {
    setUp(VFIO_TYPE1v2_IOMMU);
    MemorySegment s = info(24 + CAPS_SIZE, (int) (24 + CAPS_SIZE - 1));
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, s)).isZero();
    assertThat(VfioIommuType1Info.ARGSZ.getUnsigned(s)).isEqualTo(24 + CAPS_SIZE);
    assertThat(VfioIommuType1Info.CAP_OFFSET.get(s)).isZero();
    assertThat(VfioIommuType1Info.PAD.get(s)).isZero();
    // the caps area is untouched
    assertThat(s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 24)).isEqualTo((byte) 0xee);
  }

  @Test
  void getInfoBigEnoughReturnsTheCapabilityChain() {
    setUp(VFIO_TYPE1v2_IOMMU);
    assertThat(map(0, PAGE)).isZero();
    assertThat(map(PAGE, PAGE)).isZero();
    long total = 24 + CAPS_SIZE;
    MemorySegment s = info(total + 8, (int) total + 8);
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, s)).isZero();
    assertThat(VfioIommuType1Info.ARGSZ.getUnsigned(s)).isEqualTo(total + 8);
    assertThat(VfioIommuType1Info.FLAGS.get(s)).isEqualTo(3);
    assertThat(VfioIommuType1Info.CAP_OFFSET.get(s)).isEqualTo(24);

    MemorySegment mig = s.asSlice(24);
    assertThat(VfioInfoCapHeader.ID.get(mig)).isEqualTo(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
    assertThat(VfioInfoCapHeader.VERSION.get(mig)).isEqualTo(1);
    assertThat(VfioInfoCapHeader.NEXT.get(mig)).isEqualTo(56);
    assertThat(VfioIommuType1InfoCapMigration.FLAGS.get(mig)).isZero();
    assertThat(VfioIommuType1InfoCapMigration.PGSIZE_BITMAP.get(mig)).isEqualTo(PAGE);
    assertThat(VfioIommuType1InfoCapMigration.MAX_DIRTY_BITMAP_SIZE.get(mig)).isEqualTo(1L << 28);

    MemorySegment avail = s.asSlice(56);
    assertThat(VfioInfoCapHeader.ID.get(avail)).isEqualTo(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
    assertThat(VfioInfoCapHeader.VERSION.get(avail)).isEqualTo(1);
    assertThat(VfioInfoCapHeader.NEXT.get(avail)).isEqualTo(72);
    assertThat(VfioIommuType1InfoDmaAvail.AVAIL.get(avail)).isEqualTo(65535 - 2);

    MemorySegment ranges = s.asSlice(72);
    assertThat(VfioInfoCapHeader.ID.get(ranges)).isEqualTo(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
    assertThat(VfioInfoCapHeader.VERSION.get(ranges)).isEqualTo(1);
    assertThat(VfioInfoCapHeader.NEXT.get(ranges)).isZero();
    assertThat(VfioIommuType1InfoCapIovaRange.NR_IOVAS.get(ranges)).isEqualTo(2);
    MemorySegment r0 = ranges.asSlice(VfioIommuType1InfoCapIovaRange.IOVA_RANGES_OFFSET);
    MemorySegment r1 = r0.asSlice(VfioIovaRange.SIZEOF);
    assertThat(VfioIovaRange.START.get(r0)).isZero();
    assertThat(VfioIovaRange.END.get(r0)).isEqualTo(MSI - 1);
    assertThat(VfioIovaRange.START.get(r1)).isEqualTo(0xfef00000L);
    assertThat(VfioIovaRange.END.get(r1)).isEqualTo((1L << 48) - 1);
    // bytes past the chain are not touched
    assertThat(s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, total))
        .isEqualTo(0xeeeeeeeeeeeeeeeeL);
  }

  @Test
  void getInfoNeedsMemoryForTheCapsItWrites() {
    setUp(VFIO_TYPE1v2_IOMMU);
    long total = 24 + CAPS_SIZE;
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, info(total - 1, (int) total)))
        .isEqualTo(Errno.EFAULT.negative());
  }

  // ---- seeded property test: type1 against a reference model ----

  /** The reference: vfio_dma_do_map / vfio_dma_do_unmap for aligned, valid ranges. */
  private static final class Model {
    final boolean v2;
    final TreeMap<Long, Long> dmas = new TreeMap<>(); // iova -> size

    Model(boolean v2) {
      this.v2 = v2;
    }

    long map(long iova, long size) {
      for (var e : dmas.entrySet()) {
        if (e.getKey() < iova + size && iova < e.getKey() + e.getValue()) {
          return Errno.EEXIST.negative();
        }
      }
      dmas.put(iova, size);
      return 0;
    }

    long unmap(long iova, long size) {
      long last = iova + size - 1;
      if (v2) {
        for (var e : dmas.entrySet()) {
          long s = e.getKey();
          long l = s + e.getValue() - 1;
          if (s < iova && iova <= l) {
            return Errno.EINVAL.negative();
          }
          if (s <= last && last < l) {
            return Errno.EINVAL.negative();
          }
        }
      }
      long total = 0;
      List<Long> gone = new ArrayList<>();
      for (var e : dmas.entrySet()) {
        long s = e.getKey();
        long l = s + e.getValue() - 1;
        if (l < iova || s > last) {
          continue;
        }
        if (!v2 && s < iova) {
          break;
        }
        gone.add(s);
        total += e.getValue();
      }
      gone.forEach(dmas::remove);
      return total;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU})
  void randomMapUnmapSequencesMatchTheReference(int type) {
    for (long seed = 1; seed <= 20; seed++) {
      setUp(type);
      Model model = new Model(type == VFIO_TYPE1v2_IOMMU);
      Random rnd = new Random(seed * 31 + type);
      for (int step = 0; step < 150; step++) {
        long iova = rnd.nextInt(32) * PAGE;
        long size = (1 + rnd.nextInt(8)) * PAGE;
        long expected;
        long actual;
        String what;
        switch (rnd.nextInt(5)) {
          case 0, 1 -> {
            what = "map";
            expected = model.map(iova, size);
            actual = map(RW, mem.address() + rnd.nextInt(32) * PAGE, iova, size);
          }
          case 2, 3 -> {
            what = "unmap";
            expected = model.unmap(iova, size);
            actual = unmap(iova, size);
          }
          default -> {
            what = "unmap-all";
            expected = model.dmas.values().stream().mapToLong(Long::longValue).sum();
            model.dmas.clear();
            actual = unmap(VFIO_DMA_UNMAP_FLAG_ALL, 0, 0);
          }
        }
        assertThat(actual)
            .as("seed %d step %d %s iova %x size %x", seed, step, what, iova, size)
            .isEqualTo(expected);
        assertThat(iommu().mappings().keySet()).isEqualTo(model.dmas.keySet());
      }
    }
  }
}
