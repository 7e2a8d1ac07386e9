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
import io.jvfio.uapi.Ioctl;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasAllowIovas;
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The generic iommufd ioctl dispatch: ioctl number, size field and extensible structs. */
class IommufdSizeProtocolTest {
  /** One command of the op table: request, min size (offsetofend of the last field), sizeof. */
  private record Cmd(String name, long request, int minSize, int size) {}

  private static final List<Cmd> CMDS =
      List.of(
          new Cmd("DESTROY", IommufdIoctls.IOMMU_DESTROY, 8, (int) IommuDestroy.SIZEOF),
          new Cmd("IOAS_ALLOC", IommufdIoctls.IOMMU_IOAS_ALLOC, 12, (int) IommuIoasAlloc.SIZEOF),
          new Cmd(
              "IOAS_ALLOW_IOVAS",
              IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS,
              24,
              (int) IommuIoasAllowIovas.SIZEOF),
          new Cmd(
              "IOAS_IOVA_RANGES",
              IommufdIoctls.IOMMU_IOAS_IOVA_RANGES,
              32,
              (int) IommuIoasIovaRanges.SIZEOF),
          new Cmd("IOAS_MAP", IommufdIoctls.IOMMU_IOAS_MAP, 40, (int) IommuIoasMap.SIZEOF),
          new Cmd("IOAS_UNMAP", IommufdIoctls.IOMMU_IOAS_UNMAP, 24, (int) IommuIoasUnmap.SIZEOF),
          new Cmd("VFIO_IOAS", IommufdIoctls.IOMMU_VFIO_IOAS, 12, (int) IommuVfioIoas.SIZEOF));

  private Host host;
  private HostProcess p;
  private int fd;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    fd = openIommufdOk(p);
  }

  private static MemorySegment sized(int bufLen, int size) {
    MemorySegment s = buf(bufLen);
    putU32(s, 0, size);
    return s;
  }

  @Test
  void structSizesMatchTheKernel() {
    for (Cmd c : CMDS) {
      assertThat(c.size()).as(c.name()).isEqualTo(c.minSize());
    }
  }

  @Test
  void sizeBelowMinimumIsEinvalForEveryCommand() {
    int ioas = ioasAllocOk(p, fd);
    for (Cmd c : CMDS) {
      for (int size : new int[] {0, 4, c.minSize() - 1}) {
        MemorySegment s = sized(c.size() + 16, size);
        byte[] before = bytes(s);
        assertThat(p.ioctl(fd, c.request(), s))
            .as("%s size %d", c.name(), size)
            .isEqualTo(Errno.EINVAL.negative());
        assertThat(bytes(s)).as("%s not written", c.name()).isEqualTo(before);
      }
    }
    assertThat(ids(p, fd)).containsExactly(ioas);
  }

  @Test
  void sizeBelowMinimumIsCheckedBeforeTheStructIsRead() {
    // only the size word is readable: the kernel never copies the struct
    MemorySegment s = sized(4, 8);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void nonZeroTailBeyondTheStructIsE2big() {
    int ioas = ioasAllocOk(p, fd);
    for (Cmd c : CMDS) {
      for (int extra : new int[] {1, 8, 100}) {
        MemorySegment s = sized(c.size() + extra, c.size() + extra);
        s.set(ValueLayout.JAVA_BYTE, c.size() + extra - 1, (byte) 1);
        byte[] before = bytes(s);
        assertThat(p.ioctl(fd, c.request(), s))
            .as("%s tail %d", c.name(), extra)
            .isEqualTo(Errno.E2BIG.negative());
        assertThat(bytes(s)).isEqualTo(before);
      }
    }
    assertThat(ids(p, fd)).containsExactly(ioas);
  }

  @Test
  void e2bigComesBeforeFieldChecks() {
    // flags != 0 would be EOPNOTSUPP, but the tail is looked at first
    MemorySegment s = sized(16, 16);
    IommuIoasAlloc.FLAGS.set(s, 1);
    putU32(s, 12, 0xff);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s)).isEqualTo(Errno.E2BIG.negative());
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void zeroTailIsAcceptedAndOnlyTheKnownStructIsWrittenBack() {
    MemorySegment s = sized(64, 64);
    // bytes beyond the size the caller gave are not the kernel's business
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s.asSlice(0, 64))).isZero();
    assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(s)).isEqualTo(1);
    assertThat(u32(s, 0)).isEqualTo(64);
    for (int off = 12; off < 64; off += 4) {
      assertThat(u32(s, off)).as("offset %d", off).isZero();
    }
    // a zero tail behaves exactly like the exact size for a command with write-back
    int ioas = 1;
    MemorySegment m = buf(48);
    MemorySegment exact = mapArgs(RW, ioas, 0x10000, 0x1000, 0);
    MemorySegment.copy(exact, 0, m, 0, exact.byteSize());
    putU32(m, 0, 48);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_MAP, m)).isZero();
    assertThat(IommuIoasMap.IOVA.get(m)).isEqualTo(0x1000L);
    assertThat(u32(m, 40)).isZero();
    assertThat(u32(m, 44)).isZero();
  }

  @Test
  void sizeLargerThanStructOnlyWritesTheStruct() {
    // unmap-all of an empty IOAS: the answer length (0) is written only within sizeof
    int ioas = ioasAllocOk(p, fd);
    MemorySegment s = buf(32);
    putU32(s, 0, 32);
    IommuIoasUnmap.IOAS_ID.set(s, ioas);
    IommuIoasUnmap.LENGTH.set(s, ULONG_MAX);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_UNMAP, s)).isZero();
    assertThat(IommuIoasUnmap.LENGTH.get(s)).isZero();
    assertThat(u32(s, 0)).isEqualTo(32);
    assertThat(u32(s, 24)).isZero();
    assertThat(u32(s, 28)).isZero();
  }

  @Test
  void shortArgumentMemoryIsEfault() {
    for (Cmd c : CMDS) {
      // size claims the whole struct, the caller mapped less
      MemorySegment s = sized(c.size() - 1, c.size());
      assertThat(p.ioctl(fd, c.request(), s)).as(c.name()).isEqualTo(Errno.EFAULT.negative());
      // size field itself unreadable
      assertThat(p.ioctl(fd, c.request(), buf(3))).as(c.name()).isEqualTo(Errno.EFAULT.negative());
      // NULL pointer
      assertThat(p.ioctl(fd, c.request(), MemorySegment.NULL))
          .as(c.name())
          .isEqualTo(Errno.EFAULT.negative());
      // a larger size whose tail is not mapped
      MemorySegment t = sized(c.size(), c.size() + 8);
      assertThat(p.ioctl(fd, c.request(), t)).as(c.name()).isEqualTo(Errno.EFAULT.negative());
    }
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void rawWordArgumentIsEfaultUnlessItPointsIntoProcessMemory() {
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, 0L)).isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, 0x7000_0000L))
        .isEqualTo(Errno.EFAULT.negative());
    MemorySegment mem = p.memory().map(4096);
    putU32(mem, 0, 12);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, mem.address())).isZero();
    assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(mem)).isEqualTo(1);
  }

  @Test
  void unknownCommandsInTheIommufdRangeAreEnotty() {
    // past the end of the kernel's table (0x94 is the last command) the compat handler answers
    for (int nr : new int[] {0x95, 0x9f, 0xa0, 0xc0, 0xff}) {
      MemorySegment s = sized(64, 64);
      assertThat(p.ioctl(fd, Ioctl.io(';', nr), s))
          .as("nr 0x%x", nr)
          .isEqualTo(Errno.ENOTTY.negative());
      assertThat(p.ioctl(fd, Ioctl.io(';', nr), MemorySegment.NULL))
          .as("nr 0x%x with NULL", nr)
          .isEqualTo(Errno.ENOTTY.negative());
    }
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void wrongTypeByteIsEnottyAfterTheSizeRead() {
    for (Cmd c : CMDS) {
      long wrongType = Ioctl.io('V', Ioctl.nr(c.request()));
      long withDirection = c.request() | (3L << 30) | ((long) c.size() << 16);
      for (long req : new long[] {wrongType, withDirection}) {
        MemorySegment s = sized(c.size(), c.size());
        assertThat(p.ioctl(fd, req, s))
            .as("%s as 0x%x", c.name(), req)
            .isEqualTo(Errno.ENOTTY.negative());
        // the size word is read before the number is matched
        assertThat(p.ioctl(fd, req, MemorySegment.NULL)).isEqualTo(Errno.EFAULT.negative());
        // ... but nothing else: a too small size still says ENOTTY
        assertThat(p.ioctl(fd, req, sized(4, 0))).isEqualTo(Errno.ENOTTY.negative());
      }
    }
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void numbersBelowTheIommufdBaseGoToTheVfioCompatHandler() {
    for (int nr : new int[] {0x00, 0x01, 0x3f, 0x63, 0x7f}) {
      assertThat(p.ioctl(fd, Ioctl.io(';', nr), sized(64, 64)))
          .as("nr 0x%x", nr)
          .isEqualTo(Errno.ENOTTY.negative());
    }
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_GET_API_VERSION, 0L))
        .isEqualTo(VfioConstants.VFIO_API_VERSION)
        .isZero();
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_GET_API_VERSION, MemorySegment.NULL)).isZero();
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_CHECK_EXTENSION, VfioConstants.VFIO_TYPE1v2_IOMMU))
        .isEqualTo(1);
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_CHECK_EXTENSION, 12345)).isZero();
    // vfio group and device numbers mean nothing on an iommufd
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_GROUP_GET_STATUS, sized(8, 8)))
        .isEqualTo(Errno.ENOTTY.negative());
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, sized(24, 24)))
        .isEqualTo(Errno.ENOTTY.negative());
  }

  @Test
  void readAndWriteOfAnIommufdAreEinval() {
    assertThat(p.read(fd, buf(8))).isEqualTo(Errno.EINVAL.negative());
    assertThat(p.write(fd, buf(8))).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void ioasAllocFlagsAreEopnotsupp() {
    for (int flags : new int[] {1, 2, 0x80000000}) {
      MemorySegment s = sized(12, 12);
      IommuIoasAlloc.FLAGS.set(s, flags);
      assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s))
          .isEqualTo(Errno.EOPNOTSUPP.negative());
      assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(s)).isZero();
    }
    assertThat(ids(p, fd)).isEmpty();
  }

  @Test
  void ioasAllocEchoesInputFieldsAndWritesTheId() {
    MemorySegment s = sized(12, 12);
    IommuIoasAlloc.OUT_IOAS_ID.set(s, 0x5a5a5a5a);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s)).isZero();
    assertThat(u32(s, 0)).isEqualTo(12);
    assertThat(IommuIoasAlloc.FLAGS.get(s)).isZero();
    assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(s)).isEqualTo(1);
  }
}
