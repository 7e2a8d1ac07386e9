package io.jvfio.host.cdev;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.Ioctl;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Device ioctls on a bound cdev fd: GET_INFO, RESET and unknown numbers. */
class CdevDeviceIoctlTest {
  private Host host;
  private HostProcess p;
  private int iommufd;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    iommufd = openIommufdOk(p);
  }

  private int boundFd(String bdf) {
    int fd = openOk(p, cdev(host, bdf));
    bindOk(p, fd, iommufd);
    return fd;
  }

  private MemorySegment info(int bufLen, int argsz, int fill) {
    MemorySegment s = filled(bufLen, fill);
    VfioDeviceInfo.ARGSZ.set(s, argsz);
    return s;
  }

  @Test
  void getInfoReportsPciFlagsRegionsAndIrqs() {
    String[][] cases = {
      {DefaultHost.ROOT_BUS_DEVICE, "reset"},
      {DefaultHost.SLOT_DEVICE, "reset"},
      {DefaultHost.BUS_DEVICE_A, ""},
      {DefaultHost.BUS_DEVICE_B, ""},
      {DefaultHost.GROUP_PAIR_A, ""},
      {DefaultHost.GROUP_PAIR_B, ""}
    };
    for (String[] c : cases) {
      int fd = boundFd(c[0]);
      MemorySegment s = info(24, 24, 0x5a);
      assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s)).as(c[0]).isZero();
      int flags = VFIO_DEVICE_FLAGS_PCI | (c[1].isEmpty() ? 0 : VFIO_DEVICE_FLAGS_RESET);
      assertThat(VfioDeviceInfo.ARGSZ.get(s)).as(c[0]).isEqualTo(24);
      assertThat(VfioDeviceInfo.FLAGS.get(s)).as(c[0]).isEqualTo(flags);
      assertThat(VfioDeviceInfo.NUM_REGIONS.get(s)).isEqualTo(9);
      assertThat(VfioDeviceInfo.NUM_IRQS.get(s)).isEqualTo(5);
      assertThat(VfioDeviceInfo.CAP_OFFSET.get(s)).isZero();
      assertThat(VfioDeviceInfo.PAD.get(s)).isZero();
    }
  }

  @Test
  void getInfoWith16ByteArgszWritesOnly16Bytes() {
    int fd = boundFd(DefaultHost.SLOT_DEVICE);
    MemorySegment s = info(24, 16, 0x5a);
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s)).isZero();
    assertThat(VfioDeviceInfo.ARGSZ.get(s)).isEqualTo(16);
    assertThat(VfioDeviceInfo.FLAGS.get(s))
        .isEqualTo(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
    assertThat(VfioDeviceInfo.NUM_REGIONS.get(s)).isEqualTo(9);
    assertThat(VfioDeviceInfo.NUM_IRQS.get(s)).isEqualTo(5);
    assertThat(u32(s, 16)).isEqualTo(0x5a5a5a5a);
    assertThat(u32(s, 20)).isEqualTo(0x5a5a5a5a);
    // and a 16-byte buffer is all it needs
    MemorySegment exact = info(16, 16, 0);
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, exact)).isZero();
    assertThat(VfioDeviceInfo.NUM_IRQS.get(exact)).isEqualTo(5);
  }

  @Test
  void getInfoWithALargerArgszLeavesItAndTheTailUnchanged() {
    int fd = boundFd(DefaultHost.BUS_DEVICE_A);
    MemorySegment s = info(40, 40, 0x5a);
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s)).isZero();
    assertThat(VfioDeviceInfo.ARGSZ.get(s)).isEqualTo(40);
    assertThat(VfioDeviceInfo.FLAGS.get(s)).isEqualTo(VFIO_DEVICE_FLAGS_PCI);
    assertThat(VfioDeviceInfo.CAP_OFFSET.get(s)).isZero();
    for (int off = 24; off < 40; off += 4) {
      assertThat(u32(s, off)).isEqualTo(0x5a5a5a5a);
    }
    // a huge argsz does not make the kernel read or write more than the struct
    MemorySegment big = info(24, 0x7fffffff, 0);
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, big)).isZero();
    assertThat(VfioDeviceInfo.ARGSZ.get(big)).isEqualTo(0x7fffffff);
  }

  @Test
  void getInfoErrors() {
    int fd = boundFd(DefaultHost.SLOT_DEVICE);
    for (int argsz : new int[] {0, 15}) {
      MemorySegment s = info(24, argsz, 0x5a);
      byte[] before = bytes(s);
      assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s))
          .isEqualTo(Errno.EINVAL.negative());
      assertThat(bytes(s)).isEqualTo(before);
    }
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, MemorySegment.NULL))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, info(15, 15, 0)))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void resetWorksWhereAFunctionResetExists() {
    int fd = boundFd(DefaultHost.SLOT_DEVICE);
    VfioDevice d = device(host, DefaultHost.SLOT_DEVICE);
    int before = d.resets();
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isZero();
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, MemorySegment.NULL)).isZero();
    assertThat(d.resets()).isEqualTo(before + 2);
  }

  @Test
  void resetIsEinvalWithoutAFunctionReset() {
    int fd = boundFd(DefaultHost.BUS_DEVICE_A);
    VfioDevice d = device(host, DefaultHost.BUS_DEVICE_A);
    assertThat(d.resetWorks()).isFalse();
    int before = d.resets();
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isEqualTo(Errno.EINVAL.negative());
    assertThat(d.resets()).isEqualTo(before);
    assertThat(d.openCount()).isEqualTo(1);
  }

  @Test
  void unknownIoctlsAreEnottyOnceBound() {
    int fd = boundFd(DefaultHost.SLOT_DEVICE);
    long[] requests = {
      Ioctl.io(';', 0xff),
      Ioctl.io(';', 0x7f),
      Ioctl.io('V', 0x01),
      IommufdIoctls.IOMMU_IOAS_ALLOC,
      IommufdIoctls.IOMMU_DESTROY,
      VfioIoctls.VFIO_GET_API_VERSION,
      VfioIoctls.VFIO_GROUP_GET_STATUS,
      VfioIoctls.VFIO_DEVICE_GET_INFO | (3L << 30)
    };
    for (long req : requests) {
      MemorySegment s = filled(32, 0x11);
      byte[] before = bytes(s);
      assertThat(p.ioctl(fd, req, s)).as("0x%x", req).isEqualTo(Errno.ENOTTY.negative());
      assertThat(bytes(s)).isEqualTo(before);
    }
    assertThat(ids(p, iommufd)).containsExactly(1);
  }
}
