package io.jvfio.host.cdev;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.DeviceFile;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.Ioctl;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A cdev fd before VFIO_DEVICE_BIND_IOMMUFD: open always works, everything else is EINVAL. */
class CdevBeforeBindTest {
  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
  }

  @Test
  void cdevNodesFollowBdfOrder() {
    String[] bdfs = {
      DefaultHost.ROOT_BUS_DEVICE,
      DefaultHost.SLOT_DEVICE,
      DefaultHost.BUS_DEVICE_A,
      DefaultHost.BUS_DEVICE_B,
      DefaultHost.GROUP_PAIR_A,
      DefaultHost.GROUP_PAIR_B
    };
    for (int i = 0; i < bdfs.length; i++) {
      assertThat(cdev(host, bdfs[i])).isEqualTo("/dev/vfio/devices/vfio" + i);
    }
    assertThat(p.open("/dev/vfio/devices/vfio" + bdfs.length, OpenFlags.O_RDWR))
        .isEqualTo(Errno.ENOENT.negative());
  }

  @Test
  void openAlwaysSucceedsAndManyFdsMayShareADevice() {
    String path = cdev(host, DefaultHost.SLOT_DEVICE);
    int a = openOk(p, path);
    int b = openOk(p, path);
    int c = openOk(p, path);
    assertThat(new int[] {a, b, c}).containsExactly(3, 4, 5);
    assertThat(p.file(a)).isNotSameAs(p.file(b));
    assertThat(((DeviceFile) p.file(a)).accessGranted()).isFalse();
    assertThat(p.describe(a)).isEqualTo(path);
    // another process too, and while the group node is open
    HostProcess q = host.process("other");
    VfioDevice d = device(host, DefaultHost.SLOT_DEVICE);
    int g = openOk(q, d.group().path());
    openOk(q, path);
    assertThat(q.close(g)).isZero();
    assertUnbound(host, d);
  }

  @Test
  void everyIoctlButBindIsEinval() {
    VfioDevice d = device(host, DefaultHost.SLOT_DEVICE);
    int fd = openOk(p, d.cdevPath());
    int iommufd = openIommufdOk(p);
    int ioas = ioasAllocOk(p, iommufd);
    long[] requests = {
      VfioIoctls.VFIO_DEVICE_GET_INFO,
      VfioIoctls.VFIO_DEVICE_RESET,
      VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT,
      VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT,
      VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
      VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET,
      VfioIoctls.VFIO_DEVICE_FEATURE,
      VfioIoctls.VFIO_GET_API_VERSION,
      VfioIoctls.VFIO_GROUP_GET_STATUS,
      IommufdIoctls.IOMMU_IOAS_ALLOC,
      Ioctl.io(';', 0xff),
      Ioctl.io('V', 0x01),
      0
    };
    for (long req : requests) {
      MemorySegment s = filled(64, 0x11);
      putU32(s, 0, 64);
      putU32(s, 8, ioas);
      byte[] before = bytes(s);
      assertThat(p.ioctl(fd, req, s)).as("0x%x", req).isEqualTo(Errno.EINVAL.negative());
      assertThat(bytes(s)).as("0x%x writes nothing", req).isEqualTo(before);
      // the argument is never looked at
      assertThat(p.ioctl(fd, req, MemorySegment.NULL)).as("0x%x", req).isEqualTo(-22);
      assertThat(p.ioctl(fd, req, 0L)).as("0x%x", req).isEqualTo(-22);
    }
    assertThat(objects(p, iommufd)).containsExactly("ioas 1");
    assertThat(d.resets()).isZero();
    assertUnbound(host, d);
  }

  @Test
  void readAndWriteAreEinval() {
    VfioDevice d = device(host, DefaultHost.ROOT_BUS_DEVICE);
    int fd = openOk(p, d.cdevPath());
    assertThat(p.read(fd, buf(16))).isEqualTo(Errno.EINVAL.negative());
    assertThat(p.write(fd, buf(16))).isEqualTo(Errno.EINVAL.negative());
    assertUnbound(host, d);
  }

  @Test
  void closingAnUnboundFdChangesNothing() {
    VfioDevice d = device(host, DefaultHost.GROUP_PAIR_A);
    int fd = openOk(p, d.cdevPath());
    assertThat(p.close(fd)).isZero();
    assertUnbound(host, d);
    assertThat(d.resets()).isZero();
  }
}
