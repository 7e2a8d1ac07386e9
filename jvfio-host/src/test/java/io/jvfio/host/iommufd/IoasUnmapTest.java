package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_UNMAP: whole mappings only, unmap-all, and the errno order. */
class IoasUnmapTest {
  private Host host;
  private HostProcess p;
  private int fd;
  private int ioas;
  private long va;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    fd = openIommufdOk(p);
    ioas = ioasAllocOk(p, fd);
    va = p.memory().map(0x10000).address();
  }

  private List<Long> iovas() {
    return ((Ioas) ctx(p, fd).object(ioas).orElseThrow())
        .table().areas().stream().map(Area::iova).toList();
  }

  private int unmapErr(int ioasId, long iova, long length) {
    MemorySegment s = buf(IommuIoasUnmap.SIZEOF);
    IommuIoasUnmap.SIZE.set(s, (int) IommuIoasUnmap.SIZEOF);
    IommuIoasUnmap.IOAS_ID.set(s, ioasId);
    IommuIoasUnmap.IOVA.set(s, iova);
    IommuIoasUnmap.LENGTH.set(s, length);
    byte[] before = bytes(s);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_UNMAP, s);
    assertThat(ret).isNegative();
    assertThat(bytes(s)).as("nothing written back on error").isEqualTo(before);
    return ret;
  }

  @Test
  void exactUnmapReturnsTheLength() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x4000)).isZero();
    UnmapResult r = unmap(p, fd, ioas, 0x10000, 0x4000);
    assertThat(r.ret()).isZero();
    assertThat(r.length()).isEqualTo(0x4000);
    assertThat(iovas()).isEmpty();
  }

  @Test
  void unmapWritesBackTheWholeStruct() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x1000)).isZero();
    MemorySegment s = buf(IommuIoasUnmap.SIZEOF);
    IommuIoasUnmap.SIZE.set(s, 24);
    IommuIoasUnmap.IOAS_ID.set(s, ioas);
    IommuIoasUnmap.IOVA.set(s, 0);
    IommuIoasUnmap.LENGTH.set(s, 0x100000);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_UNMAP, s)).isZero();
    assertThat(IommuIoasUnmap.SIZE.get(s)).isEqualTo(24);
    assertThat(IommuIoasUnmap.IOAS_ID.get(s)).isEqualTo(ioas);
    assertThat(IommuIoasUnmap.IOVA.get(s)).isZero();
    assertThat(IommuIoasUnmap.LENGTH.get(s)).isEqualTo(0x1000);
  }

  @Test
  void aSupersetRangeRemovesEveryWholeMappingAndCountsOnlyMappedBytes() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0x12000, va, 0x2000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0x20000, va, 0x1000)).isZero();
    UnmapResult r = unmap(p, fd, ioas, 0xf000, 0x10000);
    assertThat(r.ret()).isZero();
    assertThat(r.length()).isEqualTo(0x3000);
    assertThat(iovas()).containsExactly(0x20000L);
  }

  @Test
  void unmapAllReturnsTheBytesAndWorksOnAnEmptyIoas() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0x1_0000_0000L, va, 0x3000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0, va, 0x10)).isZero();
    UnmapResult r = unmap(p, fd, ioas, 0, ULONG_MAX);
    assertThat(r.ret()).isZero();
    assertThat(r.length()).isEqualTo(0x4010);
    assertThat(iovas()).isEmpty();
    r = unmap(p, fd, ioas, 0, ULONG_MAX);
    assertThat(r.ret()).isZero();
    assertThat(r.length()).isZero();
  }

  @Test
  void emptyRangeIsEnoent() {
    assertThat(unmapErr(ioas, 0x10000, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x1000)).isZero();
    assertThat(unmapErr(ioas, 0x11000, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(ioas, 0xf000, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(iovas()).containsExactly(0x10000L);
  }

  @Test
  void rangesThatWouldSplitAMappingAreEnoent() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x4000)).isZero();
    assertThat(unmapErr(ioas, 0x10000, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(ioas, 0x11000, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(ioas, 0x13000, 0x2000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(ioas, 0xf000, 0x2000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(ioas, 0x10000, 0x3fff)).isEqualTo(Errno.ENOENT.negative());
    assertThat(iovas()).containsExactly(0x10000L);
  }

  @Test
  void wholeMappingsBeforeASplitStayRemoved() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x1000)).isZero();
    assertThat(mapFixed(p, fd, ioas, 0x12000, va, 0x2000)).isZero();
    assertThat(unmapErr(ioas, 0x10000, 0x3000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(iovas()).containsExactly(0x12000L);
  }

  @Test
  void zeroLengthIsEinval() {
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x1000)).isZero();
    assertThat(unmapErr(ioas, 0x10000, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(unmapErr(ioas, 0, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(iovas()).containsExactly(0x10000L);
  }

  @Test
  void overflowingRangesAreEoverflow() {
    assertThat(unmapErr(ioas, ULONG_MAX, 1)).isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(unmapErr(ioas, 0x1000, ULONG_MAX)).isEqualTo(Errno.EOVERFLOW.negative());
    assertThat(unmapErr(ioas, 0xffff_ffff_ffff_f000L, 0x2000))
        .isEqualTo(Errno.EOVERFLOW.negative());
    // EOVERFLOW before the length-0 check
    assertThat(unmapErr(ioas, ULONG_MAX, 0)).isEqualTo(Errno.EOVERFLOW.negative());
    // the very last byte is a valid range
    assertThat(mapFixed(p, fd, ioas, 0xffff_ffff_ffff_f000L, va, 0x1000)).isZero();
    assertThat(unmap(p, fd, ioas, 0xffff_ffff_ffff_f000L, 0x1000).length()).isEqualTo(0x1000);
  }

  @Test
  void unknownIoasIsTheFirstCheck() {
    assertThat(unmapErr(99, 0x1000, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(99, 0, ULONG_MAX)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(99, 0x1000, 0)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmapErr(0, ULONG_MAX, ULONG_MAX)).isEqualTo(Errno.ENOENT.negative());
  }

  @Test
  void unmapWithADomainAttached() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    bindOk(p, dev, fd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    long iova = mapAutoOk(p, fd, ioas, va, 0x4000);
    assertThat(unmapErr(ioas, iova, 0x1000)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmap(p, fd, ioas, 0, ULONG_MAX).length()).isEqualTo(0x4000);
  }
}
