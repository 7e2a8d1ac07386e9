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
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_IOAS_IOVA_RANGES: the holes of the reserved ranges, EMSGSIZE sizing protocol. */
class IoasIovaRangesTest {
  private static final IovaRange ALL = new IovaRange(0, ULONG_MAX);
  private static final IovaRange BELOW_MSI = new IovaRange(0, MSI_START - 1);
  private static final IovaRange ABOVE_MSI = new IovaRange(MSI_LAST + 1, APERTURE_LAST);

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

  private MemorySegment args(int ioasId, int num, long array) {
    MemorySegment s = rangesArg(ioasId, num, array);
    IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.set(s, 0x7777);
    return s;
  }

  @Test
  void zeroCapacityIsEmsgsizeWithTheCountAndAlignment() {
    MemorySegment s = args(ioas, 0, 0);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.EMSGSIZE.negative());
    assertThat(IommuIoasIovaRanges.NUM_IOVAS.get(s)).isEqualTo(1);
    assertThat(IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s)).isEqualTo(1);
    assertThat(IommuIoasIovaRanges.ALLOWED_IOVAS.get(s)).isZero();
    assertThat(IommuIoasIovaRanges.IOAS_ID.get(s)).isEqualTo(ioas);
  }

  @Test
  void freshIoasHasTheWholeSpaceAndAlignmentOne() {
    Ranges r = iovaRanges(p, fd, ioas, 1);
    assertThat(r.ret()).isZero();
    assertThat(r.numIovas()).isEqualTo(1);
    assertThat(r.alignment()).isEqualTo(1);
    assertThat(r.ranges()).containsExactly(ALL);
  }

  @Test
  void mappingsDoNotChangeTheRanges() {
    assertThat(mapFixed(p, fd, ioas, 0x1000, p.memory().map(0x1000).address(), 0x1000)).isZero();
    assertThat(iovaRanges(p, fd, ioas, 1).ranges()).containsExactly(ALL);
  }

  @Test
  void extraCapacityLeavesTheRestOfTheArrayAlone() {
    MemorySegment array = p.memory().map(4 * IommuIovaRange.SIZEOF);
    array.fill((byte) 0xee);
    MemorySegment s = args(ioas, 4, array.address());
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s)).isZero();
    assertThat(IommuIoasIovaRanges.NUM_IOVAS.get(s)).isEqualTo(1);
    assertThat(IommuIovaRange.START.get(array)).isZero();
    assertThat(IommuIovaRange.LAST.get(array)).isEqualTo(ULONG_MAX);
    for (long off = IommuIovaRange.SIZEOF; off < array.byteSize(); off++) {
      assertThat(array.get(ValueLayout.JAVA_BYTE, off)).isEqualTo((byte) 0xee);
    }
  }

  @Test
  void arrayOutsideTheProcessIsEfault() {
    // a heap buffer is not in the process address space
    MemorySegment s = args(ioas, 1, 0x1000);
    byte[] before = bytes(s);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(bytes(s)).isEqualTo(before);
    s = args(ioas, 1, 0);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.EFAULT.negative());
    // an array that is mapped but too short for the first entry
    MemorySegment mem = p.memory().map(4096);
    s = args(ioas, 1, mem.address() + 4096 - 8);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void reservedIsEopnotsuppAndUnknownIoasEnoent() {
    MemorySegment s = args(99, 0, 0);
    IommuIoasIovaRanges.RESERVED.set(s, 1);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    s = args(99, 0, 0);
    byte[] before = bytes(s);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.ENOENT.negative());
    assertThat(bytes(s)).isEqualTo(before);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, args(0, 0, 0)))
        .isEqualTo(Errno.ENOENT.negative());
  }

  @Test
  void anAttachedDeviceReservesTheMsiWindowAndTheSpaceAboveTheAperture() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    int devid = bindOk(p, dev, fd);
    // binding alone changes nothing
    assertThat(iovaRanges(p, fd, ioas, 4).ranges()).containsExactly(ALL);
    // the devid is not an IOAS
    assertThat(iovaRanges(p, fd, devid, 4).ret()).isEqualTo(Errno.ENOENT.negative());
    int hwpt = attach(p, dev, ioas);
    assertThat(iovaRanges(p, fd, hwpt, 4).ret()).isEqualTo(Errno.ENOENT.negative());

    MemorySegment s = args(ioas, 0, 0);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s))
        .isEqualTo(Errno.EMSGSIZE.negative());
    assertThat(IommuIoasIovaRanges.NUM_IOVAS.get(s)).isEqualTo(2);
    assertThat(IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s)).isEqualTo(4096);

    Ranges one = iovaRanges(p, fd, ioas, 1);
    assertThat(one.ret()).isEqualTo(Errno.EMSGSIZE.negative());
    assertThat(one.numIovas()).isEqualTo(2);
    assertThat(one.ranges()).containsExactly(BELOW_MSI);

    Ranges r = iovaRanges(p, fd, ioas, 2);
    assertThat(r.ret()).isZero();
    assertThat(r.numIovas()).isEqualTo(2);
    assertThat(r.alignment()).isEqualTo(4096);
    assertThat(r.ranges()).containsExactly(BELOW_MSI, ABOVE_MSI);

    // another IOAS of the context is not affected
    int other = ioasAllocOk(p, fd);
    assertThat(iovaRanges(p, fd, other, 4).ranges()).containsExactly(ALL);

    // detach gives the whole space and alignment 1 back
    assertThat(detach(p, dev)).isZero();
    r = iovaRanges(p, fd, ioas, 4);
    assertThat(r.ranges()).containsExactly(ALL);
    assertThat(r.alignment()).isEqualTo(1);
  }

  @Test
  void twoDevicesOnOneIoasReportTheSameRangesAndTheLastDetachRestores() {
    int a = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    int b = openOk(p, cdev(host, DefaultHost.ROOT_BUS_DEVICE));
    bindOk(p, a, fd);
    bindOk(p, b, fd);
    int hwpt = attach(p, a, ioas);
    assertThat(attach(p, b, ioas)).isEqualTo(hwpt);
    assertThat(iovaRanges(p, fd, ioas, 4).ranges()).containsExactly(BELOW_MSI, ABOVE_MSI);
    assertThat(detach(p, a)).isZero();
    assertThat(iovaRanges(p, fd, ioas, 4).ranges()).containsExactly(BELOW_MSI, ABOVE_MSI);
    assertThat(p.close(b)).isZero();
    Ranges r = iovaRanges(p, fd, ioas, 4);
    assertThat(r.ranges()).containsExactly(ALL);
    assertThat(r.alignment()).isEqualTo(1);
  }

  @Test
  void replacingMovesTheReservationToTheNewIoas() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    bindOk(p, dev, fd);
    int other = ioasAllocOk(p, fd);
    attach(p, dev, ioas);
    attach(p, dev, other);
    assertThat(iovaRanges(p, fd, ioas, 4).ranges()).containsExactly(ALL);
    assertThat(iovaRanges(p, fd, ioas, 4).alignment()).isEqualTo(1);
    assertThat(iovaRanges(p, fd, other, 4).ranges()).containsExactly(BELOW_MSI, ABOVE_MSI);
    assertThat(iovaRanges(p, fd, other, 4).alignment()).isEqualTo(4096);
  }
}
