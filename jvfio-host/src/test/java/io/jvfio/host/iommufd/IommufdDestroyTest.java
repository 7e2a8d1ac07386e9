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
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IOMMU_DESTROY: ENOENT for what is not there, EBUSY for what is still used. */
class IommufdDestroyTest {
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
  void unknownAndZeroIdsAreEnoent() {
    assertThat(destroy(p, fd, 0)).isEqualTo(Errno.ENOENT.negative());
    assertThat(destroy(p, fd, 1)).isEqualTo(Errno.ENOENT.negative());
    assertThat(ioasAllocOk(p, fd)).isEqualTo(1);
    for (int id : new int[] {0, 2, 3, 1000, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
      assertThat(destroy(p, fd, id)).as("id %d", id).isEqualTo(Errno.ENOENT.negative());
    }
    assertThat(objects(p, fd)).containsExactly("ioas 1");
  }

  @Test
  void destroyWritesNothingBack() {
    ioasAllocOk(p, fd);
    MemorySegment s = buf(8);
    IommuDestroy.SIZE.set(s, 8);
    IommuDestroy.ID.set(s, 1);
    byte[] before = bytes(s);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_DESTROY, s)).isZero();
    assertThat(bytes(s)).isEqualTo(before);
  }

  @Test
  void ioasWithMappingsButNoDeviceCanBeDestroyed() {
    int ioas = ioasAllocOk(p, fd);
    assertThat(mapFixed(p, fd, ioas, 0x100000, 0x200000, 0x4000)).isZero();
    assertThat(destroy(p, fd, ioas)).isZero();
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void devidIsEbusy() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    int devid = bindOk(p, dev, fd);
    assertThat(devid).isEqualTo(1);
    assertThat(destroy(p, fd, devid)).isEqualTo(Errno.EBUSY.negative());
    assertThat(objects(p, fd)).containsExactly("device 1");
    assertThat(device(host, DefaultHost.SLOT_DEVICE).cdevOpened()).isTrue();
    // once the cdev is closed the devid is gone
    assertThat(p.close(dev)).isZero();
    assertThat(destroy(p, fd, devid)).isEqualTo(Errno.ENOENT.negative());
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void ioasAndHwptWithAnAttachedDeviceAreEbusy() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    assertThat(bindOk(p, dev, fd)).isEqualTo(1);
    int ioas = ioasAllocOk(p, fd);
    int hwpt = attach(p, dev, ioas);
    assertThat(hwpt).isEqualTo(3);
    assertThat(destroy(p, fd, ioas)).isEqualTo(Errno.EBUSY.negative());
    assertThat(destroy(p, fd, hwpt)).isEqualTo(Errno.EBUSY.negative());
    assertThat(destroy(p, fd, 1)).isEqualTo(Errno.EBUSY.negative());
    assertThat(objects(p, fd)).containsExactly("device 1", "ioas 2", "hwpt_paging 3");
    assertThat(detach(p, dev)).isZero();
    assertThat(objects(p, fd)).containsExactly("device 1", "ioas 2");
    assertThat(destroy(p, fd, hwpt)).isEqualTo(Errno.ENOENT.negative());
    assertThat(destroy(p, fd, ioas)).isZero();
    assertThat(objects(p, fd)).containsExactly("device 1");
  }

  @Test
  void ioasIsFreeAgainWhenTheAttachedDeviceIsClosed() {
    int dev = openOk(p, cdev(host, DefaultHost.ROOT_BUS_DEVICE));
    bindOk(p, dev, fd);
    int ioas = ioasAllocOk(p, fd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(p.close(dev)).isZero();
    assertThat(objects(p, fd)).containsExactly("ioas 2");
    assertThat(destroy(p, fd, ioas)).isZero();
  }
}
