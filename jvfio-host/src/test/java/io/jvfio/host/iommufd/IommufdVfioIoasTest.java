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
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_VFIO_IOAS: choosing the IOAS the VFIO compatibility ioctls use. */
class IommufdVfioIoasTest {
  private Host host;
  private HostProcess p;
  private int fd;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    fd = openIommufdOk(p);
  }

  @Test
  void getWithoutACompatIoasIsEnodev() {
    MemorySegment s = vfioIoasArg(IOMMU_VFIO_IOAS_GET, 77);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, s)).isEqualTo(Errno.ENODEV.negative());
    assertThat(IommuVfioIoas.IOAS_ID.get(s)).isEqualTo(77);
    assertThat(ctx(p, fd).vfioIoas()).isNull();
  }

  @Test
  void setWithAnUnknownIdIsEnoent() {
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_SET, 1)).isEqualTo(Errno.ENOENT.negative());
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_SET, 0)).isEqualTo(Errno.ENOENT.negative());
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    int devid = bindOk(p, dev, fd);
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_SET, devid)).isEqualTo(Errno.ENOENT.negative());
    assertThat(ctx(p, fd).vfioIoas()).isNull();
  }

  @Test
  void setGetRoundTripAndClear() {
    int a = ioasAllocOk(p, fd);
    int b = ioasAllocOk(p, fd);
    MemorySegment set = vfioIoasArg(IOMMU_VFIO_IOAS_SET, b);
    byte[] before = bytes(set);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, set)).isZero();
    assertThat(bytes(set)).as("SET writes nothing back").isEqualTo(before);
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(b);
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_SET, a)).isZero();
    MemorySegment get = vfioIoasArg(IOMMU_VFIO_IOAS_GET, 0);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, get)).isZero();
    assertThat(IommuVfioIoas.IOAS_ID.get(get)).isEqualTo(a);
    assertThat(IommuVfioIoas.SIZE.get(get)).isEqualTo(12);
    assertThat(IommuVfioIoas.OP.get(get)).isEqualTo(IOMMU_VFIO_IOAS_GET);
    // CLEAR forgets it without destroying it; clearing twice is fine
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_CLEAR, 0)).isZero();
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_CLEAR, 0)).isZero();
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(Errno.ENODEV.negative());
    assertThat(ids(p, fd)).containsExactly(a, b);
  }

  @Test
  void destroyingTheCompatIoasForgetsIt() {
    int a = ioasAllocOk(p, fd);
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_SET, a)).isZero();
    assertThat(destroy(p, fd, a)).isZero();
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(Errno.ENODEV.negative());
    // a new IOAS reusing the id is not the compat IOAS
    assertThat(ioasAllocOk(p, fd)).isEqualTo(a);
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(Errno.ENODEV.negative());
  }

  @Test
  void unknownOpAndReservedAreEopnotsupp() {
    int a = ioasAllocOk(p, fd);
    assertThat(vfioIoas(p, fd, 3, a)).isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(vfioIoas(p, fd, 0xffff, a)).isEqualTo(Errno.EOPNOTSUPP.negative());
    MemorySegment s = vfioIoasArg(IOMMU_VFIO_IOAS_SET, a);
    IommuVfioIoas.RESERVED.set(s, 1);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    // reserved is checked before the op is looked at
    s = vfioIoasArg(IOMMU_VFIO_IOAS_GET, 0);
    IommuVfioIoas.RESERVED.set(s, 0x8000);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(ctx(p, fd).vfioIoas()).isNull();
  }

  @Test
  void theCompatIoasBelongsToItsContext() {
    int fd2 = openIommufdOk(p);
    int a = ioasAllocOk(p, fd);
    assertThat(vfioIoas(p, fd, IOMMU_VFIO_IOAS_SET, a)).isZero();
    assertThat(vfioIoas(p, fd2, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(Errno.ENODEV.negative());
    assertThat(vfioIoas(p, fd2, IOMMU_VFIO_IOAS_SET, a)).isEqualTo(Errno.ENOENT.negative());
  }
}
