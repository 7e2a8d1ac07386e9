package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_MAP: check order, fixed and kernel-chosen IOVAs, and what is written back. */
class IoasMapTest {
  private Host host;
  private HostProcess p;
  private int fd;
  private int ioas;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    fd = openIommufdOk(p);
    ioas = ioasAllocOk(p, fd);
  }

  /** A mapped user address whose lowest set bit is exactly 4 KiB. */
  static long va4k(HostProcess p, long length) {
    long a = p.memory().map(length + 0x1000).address();
    return (a & 0x1000) != 0 ? a : a + 0x1000;
  }

  /** A mapped user address aligned to 2 MiB. */
  static long va2m(HostProcess p, long length) {
    long a = p.memory().map(length + (2L << 20)).address();
    return (a + (2L << 20) - 1) & -(2L << 20);
  }

  private int mapErr(int flags, int ioasId, long va, long len, long iova) {
    MemorySegment s = mapArgs(flags, ioasId, va, len, iova);
    byte[] before = bytes(s);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_MAP, s);
    if (ret < 0) {
      assertThat(bytes(s)).as("nothing written back on error").isEqualTo(before);
    }
    return ret;
  }

  private java.util.List<Area> areas() {
    return ((Ioas) ctx(p, fd).object(ioas).orElseThrow()).table().areas();
  }

  @Test
  void fixedMapEchoesTheStruct() {
    long va = va4k(p, 0x4000);
    MemorySegment s = mapArgs(FIXED_RW, ioas, va, 0x4000, 0x40000);
    byte[] before = bytes(s);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_MAP, s)).isZero();
    assertThat(bytes(s)).isEqualTo(before);
    assertThat(areas()).hasSize(1);
    assertThat(areas().getFirst().iova()).isEqualTo(0x40000);
    assertThat(areas().getFirst().length()).isEqualTo(0x4000);
  }

  @Test
  void fixedMapAtIovaZeroIsAllowed() {
    assertThat(mapFixed(p, fd, ioas, 0, va4k(p, 0x1000), 0x1000)).isZero();
  }

  @Test
  void autoIovaForA4kAlignedUserVaIs0x1000() {
    long va = va4k(p, 0x10000);
    MapResult r = map(p, fd, RW, ioas, va, 0x10000, 0xdead0000L);
    assertThat(r.ret()).isZero();
    assertThat(r.iova()).isEqualTo(0x1000);
    // the next one is first fit right behind it
    assertThat(mapAutoOk(p, fd, ioas, va, 0x10000)).isEqualTo(0x11000);
    assertThat(mapAutoOk(p, fd, ioas, va, 0x1000)).isEqualTo(0x21000);
  }

  @Test
  void autoIovaKeepsTheUserVaAlignmentUpToTheLength() {
    long va = va2m(p, 0x10000);
    assertThat(mapAutoOk(p, fd, ioas, va, 0x10000)).isEqualTo(0x10000);
    // the gap below 0x10000 still serves a small 4K-aligned map
    assertThat(mapAutoOk(p, fd, ioas, va4k(p, 0x1000), 0x1000)).isEqualTo(0x1000);
    // 4 MiB at a 2 MiB-aligned VA: alignment 2 MiB (huge page clamp)
    assertThat(mapAutoOk(p, fd, ioas, va2m(p, 4L << 20), 4L << 20)).isEqualTo(2L << 20);
  }

  @Test
  void autoIovaWithUserVaZeroUsesTheLengthAsAlignment() {
    // nothing is pinned without a domain: user_va 0 is accepted at MAP time
    assertThat(mapAutoOk(p, fd, ioas, 0, 0x3000)).isEqualTo(0x4000);
    assertThat(mapAutoOk(p, fd, ioas, 0, 0x1000)).isEqualTo(0x1000);
  }

  @Test
  void autoIovaKeepsTheSubPageOffset() {
    long va = va4k(p, 0x2000) + 0x800;
    assertThat(mapAutoOk(p, fd, ioas, va, 0x1000)).isEqualTo(0x1800);
  }

  @Test
  void autoIovaForAnUnmappedHighUserVa() {
    // no domain, nothing pinned: the kernel only does arithmetic on user_va
    assertThat(mapAutoOk(p, fd, ioas, 0x8000_0000_0000_0800L, 0x1000)).isEqualTo(0x1800);
    assertThat(mapAutoOk(p, fd, ioas, 0xffff_ffff_0000_0000L, 0x10000)).isEqualTo(0x10000);
    // bit 63 alone: its alignment is larger than any length's
    assertThat(mapAutoOk(p, fd, ioas, 0x8000_0000_0000_0000L, 0x1000)).isEqualTo(0x3000);
  }

  @Test
  void autoIovaSkipsFixedMappings() {
    long va = va4k(p, 0x10000);
    assertThat(mapFixed(p, fd, ioas, 0x1000, va, 0x2000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0x4000, va, 0x1000)).isZero();
    assertThat(mapAutoOk(p, fd, ioas, va, 0x1000)).isEqualTo(0x3000);
    assertThat(mapAutoOk(p, fd, ioas, va, 0x2000)).isEqualTo(0x5000);
  }

  @Test
  void autoIovaIsEnospcWhenNothingFits() {
    // one fixed mapping covering the whole window the allocator may use
    assertThat(mapFixed(p, fd, ioas, 0x1000, 0, 0xffff_ffff_ffff_e000L)).isZero();
    assertThat(mapErr(RW, ioas, 0, 0x1000, 0)).isEqualTo(Errno.ENOSPC.negative());
    // iova 0 and the last page are never chosen, but can be mapped explicitly
    assertThat(mapFixed(p, fd, ioas, 0, 0, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0xffff_ffff_ffff_f000L, 0, 0x1000)).isZero();
  }

  @Test
  void overlappingFixedMapIsEexist() {
    long va = va4k(p, 0x4000);
    assertThat(mapFixed(p, fd, ioas, 0x100000, va, 0x2000)).isZero();
    assertThat(mapErr(FIXED_RW, ioas, va, 0x1000, 0x101000)).isEqualTo(Errno.EEXIST.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x2000, 0xff000)).isEqualTo(Errno.EEXIST.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x4000, 0xff000)).isEqualTo(Errno.EEXIST.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 1, 0x101fff)).isEqualTo(Errno.EEXIST.negative());
    // touching is fine
    assertThat(mapFixed(p, fd, ioas, 0x102000, va, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0xff000, va, 0x1000)).isZero();
    assertThat(areas()).hasSize(3);
  }

  @Test
  void missingReadWriteFlagIsEinval() {
    long va = va4k(p, 0x1000);
    assertThat(mapErr(0, ioas, va, 0x1000, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(IOMMU_IOAS_MAP_FIXED_IOVA, ioas, va, 0x1000, 0x1000))
        .isEqualTo(Errno.EINVAL.negative());
    // a single direction is enough
    assertThat(map(p, fd, IOMMU_IOAS_MAP_READABLE, ioas, va, 0x1000, 0).ret()).isZero();
    assertThat(map(p, fd, IOMMU_IOAS_MAP_WRITEABLE, ioas, va, 0x1000, 0).ret()).isZero();
  }

  @Test
  void unknownFlagsAndReservedAreEopnotsupp() {
    long va = va4k(p, 0x1000);
    for (int flag : new int[] {1 << 3, 1 << 4, 1 << 31}) {
      assertThat(mapErr(RW | flag, ioas, va, 0x1000, 0))
          .as("flag 0x%x", flag)
          .isEqualTo(Errno.EOPNOTSUPP.negative());
    }
    MemorySegment s = mapArgs(RW, ioas, va, 0x1000, 0);
    IommuIoasMap.RESERVED.set(s, 1);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_MAP, s)).isEqualTo(Errno.EOPNOTSUPP.negative());
    // EOPNOTSUPP beats every later check
    assertThat(mapErr(8, 99, 0, 0, ULONG_MAX)).isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(areas()).isEmpty();
  }

  @Test
  void overflowingValuesAreEoverflow() {
    long va = va4k(p, 0x1000);
    // iova ~0 is rejected even without FIXED_IOVA
    assertThat(mapErr(RW, ioas, va, 0x1000, ULONG_MAX)).isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, ULONG_MAX, 0)).isEqualTo(Errno.EOVERFLOW.negative());
    // user_va + length wraps
    assertThat(mapErr(RW, ioas, 0xffff_ffff_ffff_f000L, 0x2000, 0))
        .isEqualTo(Errno.EOVERFLOW.negative());
    // iova + length - 1 wraps
    assertThat(mapErr(FIXED_RW, ioas, va, 0x2000, 0xffff_ffff_ffff_f000L))
        .isEqualTo(Errno.EOVERFLOW.negative());
    // a kernel-chosen IOVA for half the address space or more
    assertThat(mapErr(RW, ioas, 0, 0x8000_0000_0000_0000L, 0))
        .isEqualTo(Errno.EOVERFLOW.negative());
    // EOVERFLOW of iova/length comes before the flags and the IOAS are looked at
    assertThat(mapErr(0, 99, va, ULONG_MAX, 0)).isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(areas()).isEmpty();
  }

  @Test
  void zeroOrHugeLengthIsEinval() {
    long va = va4k(p, 0x1000);
    assertThat(mapErr(RW, ioas, va, 0, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0, 0x1000)).isEqualTo(Errno.EINVAL.negative());
    // length > SIZE_MAX - PAGE_SIZE
    assertThat(mapErr(FIXED_RW, ioas, 0, 0xffff_ffff_ffff_f001L, 0))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(areas()).isEmpty();
  }

  @Test
  void unknownIoasIsEnoentAfterTheFlagChecks() {
    long va = va4k(p, 0x1000);
    assertThat(mapErr(RW, 99, va, 0x1000, 0)).isEqualTo(Errno.ENOENT.negative());
    assertThat(mapErr(RW, 0, va, 0x1000, 0)).isEqualTo(Errno.ENOENT.negative());
    // the length is checked only after the lookup
    assertThat(mapErr(RW, 99, va, 0, 0)).isEqualTo(Errno.ENOENT.negative());
    // no R/W flag is found before the lookup
    assertThat(mapErr(IOMMU_IOAS_MAP_FIXED_IOVA, 99, va, 0, 0)).isEqualTo(Errno.EINVAL.negative());
    // a destroyed IOAS
    assertThat(destroy(p, fd, ioas)).isZero();
    assertThat(mapErr(RW, ioas, va, 0x1000, 0)).isEqualTo(Errno.ENOENT.negative());
  }

  @Test
  void anIdOfAnotherKindIsEnoent() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    int devid = bindOk(p, dev, fd);
    long va = va4k(p, 0x1000);
    assertThat(mapErr(RW, devid, va, 0x1000, 0)).isEqualTo(Errno.ENOENT.negative());
    int hwpt = attach(p, dev, ioas);
    assertThat(mapErr(RW, hwpt, va, 0x1000, 0)).isEqualTo(Errno.ENOENT.negative());
  }

  @Test
  void unalignedValuesAreFineWithoutADomain() {
    long va = va4k(p, 0x2000);
    assertThat(mapFixed(p, fd, ioas, 0x1001, va + 3, 0x7)).isZero();
    assertThat(mapAutoOk(p, fd, ioas, va + 1, 0x10)).isEqualTo(0x1009);
  }

  @Test
  void withADomainMapsMustBePageAlignedAndPinnable() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    bindOk(p, dev, fd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    long va = va4k(p, 0x4000);
    assertThat(mapErr(FIXED_RW, ioas, va, 0x800, 0x10000)).isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x1000, 0x10800)).isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(FIXED_RW, ioas, va + 0x10, 0x1000, 0x10000))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(RW, ioas, va + 0x800, 0x1000, 0)).isEqualTo(Errno.EINVAL.negative());
    // reserved: the MSI window and everything above the 48-bit aperture
    assertThat(mapErr(FIXED_RW, ioas, va, 0x1000, MSI_START)).isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x2000, MSI_START - 0x1000))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x1000, MSI_LAST + 1 - 0x1000))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x1000, APERTURE_LAST + 1))
        .isEqualTo(Errno.EINVAL.negative());
    // memory the process never mapped cannot be pinned
    assertThat(mapErr(FIXED_RW, ioas, 0x1000, 0x1000, 0x10000)).isEqualTo(Errno.EFAULT.negative());
    assertThat(mapErr(FIXED_RW, ioas, va, 0x100000, 0x10000)).isEqualTo(Errno.EFAULT.negative());
    assertThat(areas()).isEmpty();
    // right next to the reserved ranges is fine
    assertThat(mapFixed(p, fd, ioas, MSI_START - 0x1000, va, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, MSI_LAST + 1, va, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, APERTURE_LAST + 1 - 0x1000, va, 0x1000)).isZero();
    assertThat(mapAutoOk(p, fd, ioas, va, 0x4000)).isEqualTo(0x1000);
  }

  @Test
  void writeableMapsOfReadOnlyMemoryFaultWhenPinned() {
    long ro =
        p.memory()
            .adopt(java.lang.foreign.Arena.ofAuto().allocate(0x2000, 0x1000).asReadOnly())
            .address();
    int readOnly = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE;
    // without a domain nothing is pinned yet
    assertThat(mapErr(FIXED_RW, ioas, ro, 0x1000, 0x10000)).isZero();
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    bindOk(p, dev, fd);
    // attaching pins every mapping, for write where the mapping is writeable
    assertThat(attach(p, dev, ioas)).isEqualTo(Errno.EFAULT.negative());
    assertThat(unmap(p, fd, ioas, 0x10000, 0x1000).ret()).isZero();
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(mapErr(FIXED_RW, ioas, ro, 0x1000, 0x20000)).isEqualTo(Errno.EFAULT.negative());
    assertThat(areas()).isEmpty();
    assertThat(mapErr(readOnly, ioas, ro, 0x1000, 0x20000)).isZero();
  }
}
