package io.jvfio.host.cdev;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.vfio.DeviceFile;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VFIO_DEVICE_BIND_IOMMUFD: the check order of spec 3.4 / 12.15 and the single write-back. */
class CdevBindTest {
  private Host host;
  private HostProcess p;
  private VfioDevice d;
  private int dev;
  private int iommufd;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    d = device(host, DefaultHost.SLOT_DEVICE);
    dev = openOk(p, d.cdevPath());
    iommufd = openIommufdOk(p);
  }

  /** BIND with a prepared argument; on failure asserts nothing was written and nothing bound. */
  private int bindErr(MemorySegment s) {
    byte[] before = bytes(s);
    List<String> objs = objects(p, iommufd);
    int ret = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s);
    assertThat(ret).isNegative();
    assertThat(bytes(s)).as("nothing written back").isEqualTo(before);
    assertThat(objects(p, iommufd)).isEqualTo(objs);
    assertThat(((DeviceFile) p.file(dev)).accessGranted()).isFalse();
    return ret;
  }

  private MemorySegment args(int argsz, int flags, int fd) {
    return bindArgs(argsz, flags, fd);
  }

  @Test
  void bindWritesOnlyOutDevid() {
    MemorySegment s = args(24, 0, iommufd);
    VfioDeviceBindIommufd.OUT_DEVID.set(s, 0xaaaaaaaa);
    VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(s, 0x1122334455667788L); // ignored without the flag
    byte[] before = bytes(s);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s)).isZero();
    byte[] after = bytes(s);
    assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(s)).isEqualTo(1);
    for (int i = 0; i < after.length; i++) {
      if (i < 12 || i >= 16) {
        assertThat(after[i]).as("byte %d", i).isEqualTo(before[i]);
      }
    }
    assertCdevBound(d);
    assertThat(objects(p, iommufd)).containsExactly("device 1");
    assertThat(d.iommufdBinding().id()).isEqualTo(1);
    assertThat(d.iommufdBinding().context()).isSameAs(ctx(p, iommufd));
    assertThat(((DeviceFile) p.file(dev)).accessGranted()).isTrue();
    assertThat(probeGroupOpen(host, d)).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void argsz16ReadsOnlySixteenBytes() {
    MemorySegment s = filled(24, 0xff);
    VfioDeviceBindIommufd.ARGSZ.set(s, 16);
    VfioDeviceBindIommufd.FLAGS.set(s, 0);
    VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s)).isZero();
    assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(s)).isEqualTo(1);
    assertThat(VfioDeviceBindIommufd.TOKEN_UUID_PTR.get(s)).isEqualTo(-1L);
  }

  @Test
  void argsz16WithAShortBufferIsEnough() {
    MemorySegment s = buf(16);
    putU32(s, 0, 16);
    putU32(s, 8, iommufd);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s)).isZero();
    assertThat(u32(s, 12)).isEqualTo(1);
  }

  @Test
  void zeroTailBeyond24IsAccepted() {
    MemorySegment s = args(64, 0, iommufd);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s)).isZero();
    assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(s)).isEqualTo(1);
    for (int off = 16; off < 64; off += 4) {
      assertThat(u32(s, off)).isZero();
    }
  }

  @Test
  void argszBelow16IsEinvalBeforeAnythingElse() {
    for (int argsz : new int[] {0, 1, 8, 12, 15}) {
      // every other field is bad too
      MemorySegment s = args(argsz, 0xff, -1);
      assertThat(bindErr(s)).as("argsz %d", argsz).isEqualTo(Errno.EINVAL.negative());
    }
    // only argsz is readable
    MemorySegment small = buf(4);
    putU32(small, 0, 15);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, small))
        .isEqualTo(Errno.EINVAL.negative());
    assertUnbound(host, d);
  }

  @Test
  void unreadableArgumentIsEfault() {
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, MemorySegment.NULL))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, buf(3)))
        .isEqualTo(Errno.EFAULT.negative());
    MemorySegment s = buf(12);
    putU32(s, 0, 16);
    putU32(s, 8, iommufd);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s))
        .isEqualTo(Errno.EFAULT.negative());
    // argsz 24 but only 20 bytes mapped
    MemorySegment t = args(24, 0, iommufd).asSlice(0, 20);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, t))
        .isEqualTo(Errno.EFAULT.negative());
    assertUnbound(host, d);
    assertThat(ids(p, iommufd)).isEmpty();
  }

  @Test
  void nonZeroBytesBeyond24AreE2bigBeforeFieldChecks() {
    for (int argsz : new int[] {25, 32, 4096}) {
      MemorySegment s = args(argsz, 0xff, -1);
      s.set(ValueLayout.JAVA_BYTE, argsz - 1, (byte) 1);
      assertThat(bindErr(s)).as("argsz %d", argsz).isEqualTo(Errno.E2BIG.negative());
    }
    assertUnbound(host, d);
  }

  @Test
  void negativeIommufdIsEinval() {
    for (int fd : new int[] {-1, -2, Integer.MIN_VALUE}) {
      assertThat(bindErr(args(24, 0, fd))).as("fd %d", fd).isEqualTo(Errno.EINVAL.negative());
    }
    assertUnbound(host, d);
  }

  @Test
  void unknownFlagsAreEinval() {
    for (int flags : new int[] {2, 4, 0x80000000, 3}) {
      assertThat(bindErr(args(24, flags, iommufd)))
          .as("flags 0x%x", flags)
          .isEqualTo(Errno.EINVAL.negative());
    }
    assertUnbound(host, d);
  }

  @Test
  void tokenFlagIsEinvalForAPlainDevice() {
    MemorySegment uuid = p.memory().map(16);
    MemorySegment s = args(24, VfioConstants.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd);
    VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(s, uuid.address());
    assertThat(bindErr(s)).isEqualTo(Errno.EINVAL.negative());
    // the token check comes before the iommufd is looked up
    assertThat(bindErr(args(24, VfioConstants.VFIO_DEVICE_BIND_FLAG_TOKEN, 999)))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(bindErr(args(24, VfioConstants.VFIO_DEVICE_BIND_FLAG_TOKEN, 0)))
        .isEqualTo(Errno.EINVAL.negative());
    assertUnbound(host, d);
  }

  @Test
  void openGroupIsEbusy() {
    int g = openOk(p, d.group().path());
    assertThat(bindErr(args(24, 0, iommufd))).isEqualTo(Errno.EBUSY.negative());
    // EBUSY before the token, the fd lookup and the fd type
    assertThat(bindErr(args(24, VfioConstants.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd)))
        .isEqualTo(Errno.EBUSY.negative());
    assertThat(bindErr(args(24, 0, 999))).isEqualTo(Errno.EBUSY.negative());
    assertThat(bindErr(args(24, 0, 0))).isEqualTo(Errno.EBUSY.negative());
    // ... but after the argument checks
    assertThat(bindErr(args(24, 0, -1))).isEqualTo(Errno.EINVAL.negative());
    assertThat(bindErr(args(24, 2, iommufd))).isEqualTo(Errno.EINVAL.negative());
    assertThat(d.openCount()).isZero();
    assertThat(p.close(g)).isZero();
    assertUnbound(host, d);
    assertThat(bind(p, dev, iommufd)).isEqualTo(1);
  }

  @Test
  void openGroupOfAnotherProcessIsEbusyToo() {
    HostProcess q = host.process("legacy");
    int g = openOk(q, d.group().path());
    assertThat(bindErr(args(24, 0, iommufd))).isEqualTo(Errno.EBUSY.negative());
    q.close();
    assertThat(bind(p, dev, iommufd)).isEqualTo(1);
    assertThat(g).isEqualTo(3);
  }

  @Test
  void bindingTheSameFdTwiceIsEinval() {
    assertThat(bind(p, dev, iommufd)).isEqualTo(1);
    int other = openIommufdOk(p);
    assertThat(bind(p, dev, iommufd)).isEqualTo(Errno.EINVAL.negative());
    assertThat(bind(p, dev, other)).isEqualTo(Errno.EINVAL.negative());
    // already-bound comes before the token and the fd lookup
    MemorySegment s = args(24, VfioConstants.VFIO_DEVICE_BIND_FLAG_TOKEN, 999);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(s)).isZero();
    assertThat(objects(p, iommufd)).containsExactly("device 1");
    assertThat(ids(p, other)).isEmpty();
    assertCdevBound(d);
    assertThat(d.group()).isNotNull();
    // the failed second bind did not unblock the group
    assertThat(probeGroupOpen(host, d)).isEqualTo(Errno.EBUSY.negative());
    assertThat(p.close(dev)).isZero();
    assertUnbound(host, d);
  }

  @Test
  void closedFdNumberIsEbadf() {
    int closed = openIommufdOk(p);
    assertThat(p.close(closed)).isZero();
    for (int fd : new int[] {closed, 99, 1023, 1024, Integer.MAX_VALUE}) {
      assertThat(bindErr(args(24, 0, fd))).as("fd %d", fd).isEqualTo(Errno.EBADF.negative());
    }
    assertUnbound(host, d);
  }

  @Test
  void aFdThatIsNotAnIommufdIsEbadfd() {
    int container = openOk(p, "/dev/vfio/vfio");
    VfioDevice other = device(host, DefaultHost.ROOT_BUS_DEVICE);
    int otherGroup = openOk(p, other.group().path());
    int otherCdev = openOk(p, other.cdevPath());
    int null3 = openOk(p, "/dev/null");
    for (int fd : new int[] {0, 1, 2, null3, container, otherGroup, otherCdev, dev}) {
      assertThat(bindErr(args(24, 0, fd)))
          .as("fd %d (%s)", fd, p.describe(fd))
          .isEqualTo(Errno.EBADFD.negative());
    }
    assertThat(d.openCount()).isZero();
    assertThat(d.cdevOpened()).isFalse();
    assertThat(other.openCount()).isZero();
    assertThat(p.close(otherGroup)).isZero();
    assertUnbound(host, d);
    assertUnbound(host, other);
  }

  @Test
  void anFdOnlyOpenInAnotherProcessIsEbadf() {
    HostProcess q = host.process("other");
    int q3 = openIommufdOk(q);
    int q4 = openIommufdOk(q);
    int q5 = openIommufdOk(q);
    assertThat(new int[] {q3, q4, q5}).containsExactly(3, 4, 5);
    // fd 5 does not exist here
    assertThat(bindErr(args(24, 0, q5))).isEqualTo(Errno.EBADF.negative());
    // fd 3 here is the cdev itself
    assertThat(bindErr(args(24, 0, q3))).isEqualTo(Errno.EBADFD.negative());
    assertUnbound(host, d);
    // fd 4 here is this process's own iommufd, not the other process's
    assertThat(q4).isEqualTo(iommufd);
    assertThat(bind(p, dev, q4)).isEqualTo(1);
    assertThat(d.iommufdBinding().context()).isSameAs(ctx(p, iommufd));
    assertThat(ids(q, q4)).isEmpty();
  }

  @Test
  void secondCdevFdOfABoundDeviceIsEinval() {
    int second = openOk(p, d.cdevPath());
    int otherCtx = openIommufdOk(p);
    assertThat(bind(p, dev, iommufd)).isEqualTo(1);
    MemorySegment s = args(24, 0, otherCtx);
    byte[] before = bytes(s);
    assertThat(p.ioctl(second, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(bytes(s)).isEqualTo(before);
    assertThat(bind(p, second, iommufd)).isEqualTo(Errno.EINVAL.negative());
    assertThat(objects(p, iommufd)).containsExactly("device 1");
    assertThat(ids(p, otherCtx)).isEmpty();
    // the bad iommufd of the second fd is found before the device is found open
    assertThat(bind(p, second, 0)).isEqualTo(Errno.EBADFD.negative());
    assertThat(bind(p, second, 99)).isEqualTo(Errno.EBADF.negative());
    assertThat(((DeviceFile) p.file(second)).accessGranted()).isFalse();
    assertThat(p.ioctl(second, VfioIoctls.VFIO_DEVICE_RESET, 0L))
        .isEqualTo(Errno.EINVAL.negative());
    assertCdevBound(d);
    // once the first fd is closed the second can bind
    assertThat(p.close(dev)).isZero();
    assertThat(bind(p, second, otherCtx)).isEqualTo(1);
    assertThat(ids(p, iommufd)).isEmpty();
    assertThat(objects(p, otherCtx)).containsExactly("device 1");
  }

  @Test
  void devidIsTheLowestFreeId() {
    int a = ioasAllocOk(p, iommufd);
    int b = ioasAllocOk(p, iommufd);
    assertThat(destroy(p, iommufd, a)).isZero();
    assertThat(bind(p, dev, iommufd)).isEqualTo(1);
    int dev2 = openOk(p, cdev(host, DefaultHost.ROOT_BUS_DEVICE));
    assertThat(bind(p, dev2, iommufd)).isEqualTo(3);
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2", "device 3");
    assertThat(b).isEqualTo(2);
  }

  @Test
  void everyDeviceCanBeBoundToOneContext() {
    String[] bdfs = {
      DefaultHost.ROOT_BUS_DEVICE,
      DefaultHost.SLOT_DEVICE,
      DefaultHost.BUS_DEVICE_A,
      DefaultHost.BUS_DEVICE_B,
      DefaultHost.GROUP_PAIR_A,
      DefaultHost.GROUP_PAIR_B
    };
    IommufdContext ctx = ctx(p, iommufd);
    assertThat(p.close(dev)).isZero();
    for (int i = 0; i < bdfs.length; i++) {
      int fd = openOk(p, cdev(host, bdfs[i]));
      assertThat(bind(p, fd, iommufd)).as(bdfs[i]).isEqualTo(i + 1);
      assertCdevBound(device(host, bdfs[i]));
    }
    assertThat(ctx.objects()).hasSize(bdfs.length);
  }

  @Test
  void groupObtainedDeviceFdCannotBind() {
    int g = openOk(p, d.group().path());
    MemorySegment fdArg = buf(4);
    putU32(fdArg, 0, iommufd);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, fdArg)).isZero();
    MemorySegment name = p.memory().map(64);
    name.setString(0, d.name());
    int gdev = p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, name.address());
    assertThat(gdev).isPositive();
    // EINVAL for the group-derived fd, although the open group would say EBUSY
    MemorySegment s = args(24, 0, iommufd);
    assertThat(p.ioctl(gdev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(s)).isZero();
    // cdev-only ioctls fall through to vfio-pci there
    assertThat(attach(p, gdev, 1)).isEqualTo(Errno.ENOTTY.negative());
    assertThat(detach(p, gdev)).isEqualTo(Errno.ENOTTY.negative());
    assertThat(d.cdevOpened()).isFalse();
    assertThat(d.openCount()).isEqualTo(1);
  }
}
