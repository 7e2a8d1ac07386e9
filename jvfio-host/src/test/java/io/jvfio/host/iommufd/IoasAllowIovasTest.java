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
import io.jvfio.uapi.iommufd.IommuIoasAllowIovas;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_ALLOW_IOVAS: validation, and its effect on kernel-chosen IOVAs and reservations. */
class IoasAllowIovasTest {
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

  /** ALLOW_IOVAS with {start, last} pairs placed in process memory. */
  private int allow(int ioasId, long... startLast) {
    int n = startLast.length / 2;
    MemorySegment array = p.memory().map(Math.max(1, n) * IommuIovaRange.SIZEOF);
    for (int i = 0; i < n; i++) {
      MemorySegment e = array.asSlice(i * IommuIovaRange.SIZEOF);
      IommuIovaRange.START.set(e, startLast[2 * i]);
      IommuIovaRange.LAST.set(e, startLast[2 * i + 1]);
    }
    MemorySegment s = buf(IommuIoasAllowIovas.SIZEOF);
    IommuIoasAllowIovas.SIZE.set(s, (int) IommuIoasAllowIovas.SIZEOF);
    IommuIoasAllowIovas.IOAS_ID.set(s, ioasId);
    IommuIoasAllowIovas.NUM_IOVAS.set(s, n);
    IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, array.address());
    byte[] before = bytes(s);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, s);
    assertThat(bytes(s)).as("ALLOW_IOVAS writes nothing back").isEqualTo(before);
    return ret;
  }

  private java.util.List<IovaRange> allowed() {
    return ((Ioas) ctx(p, fd).object(ioas).orElseThrow()).table().allowed();
  }

  @Test
  void badRangesAreEinvalAndKeepTheOldSet() {
    assertThat(allow(ioas, 0x100000, 0x1fffff)).isZero();
    // single-byte and inverted ranges
    assertThat(allow(ioas, 0x1000, 0x1000)).isEqualTo(Errno.EINVAL.negative());
    assertThat(allow(ioas, 0x2000, 0x1000)).isEqualTo(Errno.EINVAL.negative());
    // overlapping entries of one call
    assertThat(allow(ioas, 0x1000, 0x2fff, 0x2000, 0x3fff)).isEqualTo(Errno.EINVAL.negative());
    assertThat(allowed()).containsExactly(new IovaRange(0x100000, 0x1fffff));
    // adjacent entries are fine
    assertThat(allow(ioas, 0x1000, 0x1fff, 0x2000, 0x2fff)).isZero();
    assertThat(allowed()).hasSize(2);
    // an empty set clears
    assertThat(allow(ioas)).isZero();
    assertThat(allowed()).isEmpty();
  }

  @Test
  void reservedUnknownIoasAndUnmappedArray() {
    MemorySegment s = buf(IommuIoasAllowIovas.SIZEOF);
    IommuIoasAllowIovas.SIZE.set(s, 24);
    IommuIoasAllowIovas.IOAS_ID.set(s, 99);
    IommuIoasAllowIovas.RESERVED.set(s, 1);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    IommuIoasAllowIovas.RESERVED.set(s, 0);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, s))
        .isEqualTo(Errno.ENOENT.negative());
    IommuIoasAllowIovas.IOAS_ID.set(s, ioas);
    IommuIoasAllowIovas.NUM_IOVAS.set(s, 1);
    IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, 0x1000);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, s))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(allowed()).isEmpty();
  }

  @Test
  void autoIovasComeFromTheAllowedRangesOnly() {
    assertThat(allow(ioas, 0x40000, 0x4ffff, 0x10000, 0x13fff)).isZero();
    long va = p.memory().map(0x20000).address();
    assertThat(mapAutoOk(p, fd, ioas, va, 0x4000)).isEqualTo(0x10000);
    assertThat(mapAutoOk(p, fd, ioas, va, 0x4000)).isEqualTo(0x40000);
    // fixed maps are not restricted
    assertThat(mapFixed(p, fd, ioas, 0x1000, va, 0x1000)).isZero();
    // IOVA_RANGES does not report the allowed ranges
    assertThat(iovaRanges(p, fd, ioas, 2).ranges()).containsExactly(new IovaRange(0, ULONG_MAX));
    // nothing big enough left
    assertThat(map(p, fd, RW, ioas, va, 0x10000, 0).ret()).isEqualTo(Errno.ENOSPC.negative());
  }

  @Test
  void adjacentAllowedRangesFormOneWindow() {
    assertThat(allow(ioas, 0x1000, 0x1fff, 0x2000, 0x2fff)).isZero();
    // user_va 0x1000: 4 KiB alignment, so 8 KiB fit only across the boundary of the two
    assertThat(mapAutoOk(p, fd, ioas, 0x1000, 0x2000)).isEqualTo(0x1000);
  }

  @Test
  void allowedRangesAreClippedToTheAllocatorWindow() {
    assertThat(allow(ioas, 0, 0x1fff)).isZero();
    assertThat(mapAutoOk(p, fd, ioas, 0, 0x1000)).isEqualTo(0x1000);
    assertThat(map(p, fd, RW, ioas, 0, 0x1000, 0).ret()).isEqualTo(Errno.ENOSPC.negative());
  }

  @Test
  void reservationsAndAllowedRangesExcludeEachOther() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    bindOk(p, dev, fd);
    // an allowed range over the MSI window makes the attach fail
    assertThat(allow(ioas, MSI_START, MSI_LAST)).isZero();
    assertThat(attach(p, dev, ioas)).isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(objects(p, fd)).containsExactly("ioas 1", "device 2");
    // ... as does one above the aperture
    assertThat(allow(ioas, APERTURE_LAST + 1, APERTURE_LAST + 0x1000)).isZero();
    assertThat(attach(p, dev, ioas)).isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(objects(p, fd)).containsExactly("ioas 1", "device 2");
    assertThat(iovaRanges(p, fd, ioas, 4).alignment()).isEqualTo(1);
    // with the device attached, an allowed range over a reserved one is refused
    assertThat(allow(ioas, 0x1000, 0xffff)).isZero();
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(allow(ioas, MSI_START - 0x1000, MSI_START)).isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(allow(ioas, 0x1000, 0x1fff, 1L << 48, (1L << 48) + 1))
        .isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(allowed()).containsExactly(new IovaRange(0x1000, 0xffff));
    assertThat(allow(ioas, 0x1000, MSI_START - 1, MSI_LAST + 1, APERTURE_LAST)).isZero();
  }

  /** The ranges are read one by one: a bad range before the first unmapped entry is EINVAL. */
  @Test
  void rangesBeforeAnUnmappedEntryAreCheckedFirst() {
    assertThat(allow(ioas, 0x100000, 0x1fffff)).isZero();
    MemorySegment array = p.memory().map(2 * IommuIovaRange.SIZEOF); // room for two of three
    MemorySegment s = buf(IommuIoasAllowIovas.SIZEOF);
    IommuIoasAllowIovas.SIZE.set(s, (int) IommuIoasAllowIovas.SIZEOF);
    IommuIoasAllowIovas.IOAS_ID.set(s, ioas);
    IommuIoasAllowIovas.NUM_IOVAS.set(s, 3);
    IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, array.address());
    long[][] cases = {{0x1000, 0x2fff, 0x2000, 0x3fff}, {0x1000, 0x2fff, 0x3000, 0x3fff}};
    Errno[] expected = {Errno.EINVAL, Errno.EFAULT};
    for (int c = 0; c < cases.length; c++) {
      for (int i = 0; i < 2; i++) {
        MemorySegment e = array.asSlice(i * IommuIovaRange.SIZEOF);
        IommuIovaRange.START.set(e, cases[c][2 * i]);
        IommuIovaRange.LAST.set(e, cases[c][2 * i + 1]);
      }
      assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, s))
          .isEqualTo(expected[c].negative());
      assertThat(allowed()).containsExactly(new IovaRange(0x100000, 0x1fffff));
    }
  }
}
