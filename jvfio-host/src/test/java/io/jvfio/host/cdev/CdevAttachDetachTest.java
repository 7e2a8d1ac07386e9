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
import io.jvfio.host.iommufd.IovaRange;
import io.jvfio.host.testkit.Cdev;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VFIO_DEVICE_ATTACH_IOMMUFD_PT and VFIO_DEVICE_DETACH_IOMMUFD_PT on a bound cdev fd. */
class CdevAttachDetachTest {
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
    assertThat(bind(p, dev, iommufd)).isEqualTo(1);
  }

  private MemorySegment attachArgs(int bufLen, int argsz, int flags, int ptId) {
    MemorySegment s = filled(bufLen, 0x5a);
    VfioDeviceAttachIommufdPt.ARGSZ.set(s, argsz);
    VfioDeviceAttachIommufdPt.FLAGS.set(s, flags);
    VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
    return s;
  }

  /** ATTACH that must fail: nothing written, no object created or freed. */
  private int attachErr(MemorySegment s) {
    byte[] before = bytes(s);
    List<String> objs = objects(p, iommufd);
    int ret = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
    assertThat(ret).isNegative();
    assertThat(bytes(s)).isEqualTo(before);
    assertThat(objects(p, iommufd)).isEqualTo(objs);
    return ret;
  }

  private int attachErr(int ptId) {
    return attachErr(attachArgs(12, 12, 0, ptId));
  }

  @Test
  void attachToAnIoasWritesBackTheAutoHwptId() {
    int ioas = ioasAllocOk(p, iommufd);
    assertThat(ioas).isEqualTo(2);
    MemorySegment s = attachArgs(16, 16, 0, ioas);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s)).isZero();
    assertThat(VfioDeviceAttachIommufdPt.PT_ID.get(s)).isEqualTo(3);
    assertThat(VfioDeviceAttachIommufdPt.ARGSZ.get(s)).isEqualTo(16);
    assertThat(VfioDeviceAttachIommufdPt.FLAGS.get(s)).isZero();
    assertThat(VfioDeviceAttachIommufdPt.PASID.get(s)).isEqualTo(0x5a5a5a5a);
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2", "hwpt_paging 3");
    assertThat(d.iommufdBinding().hwpt().id()).isEqualTo(3);
    assertThat(d.iommufdBinding().hwpt().autoDomain()).isTrue();
  }

  @Test
  void attachToTheHwptIdKeepsIt() {
    int ioas = ioasAllocOk(p, iommufd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(attach(p, dev, 3)).isEqualTo(3);
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2", "hwpt_paging 3");
  }

  @Test
  void unknownPtIdIsEnoent() {
    ioasAllocOk(p, iommufd);
    assertThat(attachErr(0xffffffff)).isEqualTo(Errno.ENOENT.negative());
    assertThat(attachErr(0)).isEqualTo(Errno.ENOENT.negative());
    assertThat(attachErr(3)).isEqualTo(Errno.ENOENT.negative());
    assertThat(d.iommufdBinding().hwpt()).isNull();
  }

  @Test
  void attachToADevidIsEinval() {
    assertThat(attachErr(1)).isEqualTo(Errno.EINVAL.negative());
    int other = openOk(p, cdev(host, DefaultHost.ROOT_BUS_DEVICE));
    assertThat(bind(p, other, iommufd)).isEqualTo(2);
    assertThat(attachErr(2)).isEqualTo(Errno.EINVAL.negative());
    assertThat(d.iommufdBinding().hwpt()).isNull();
  }

  @Test
  void idsAreLookedUpInTheBoundContextOnly() {
    int otherCtx = openIommufdOk(p);
    assertThat(ioasAllocOk(p, otherCtx)).isEqualTo(1);
    assertThat(ioasAllocOk(p, otherCtx)).isEqualTo(2);
    // id 1 is this device in its own context, id 2 does not exist there
    assertThat(attachErr(1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(attachErr(2)).isEqualTo(Errno.ENOENT.negative());
    assertThat(ids(p, otherCtx)).containsExactly(1, 2);
  }

  @Test
  void secondAttachToTheSameIoasKeepsTheHwpt() {
    int ioas = ioasAllocOk(p, iommufd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2", "hwpt_paging 3");
  }

  @Test
  void attachToAnotherIoasReplacesAndFreesTheOldAutoHwpt() {
    int a = ioasAllocOk(p, iommufd);
    assertThat(attach(p, dev, a)).isEqualTo(3);
    int b = ioasAllocOk(p, iommufd);
    assertThat(b).isEqualTo(4);
    // the new HWPT gets its id while the old one still exists
    assertThat(attach(p, dev, b)).isEqualTo(5);
    assertThat(objects(p, iommufd))
        .containsExactly("device 1", "ioas 2", "ioas 4", "hwpt_paging 5");
    assertThat(destroy(p, iommufd, a)).isZero();
    assertThat(destroy(p, iommufd, b)).isEqualTo(Errno.EBUSY.negative());
    // and back again: a new IOAS takes the lowest free id, its HWPT the next
    int c = ioasAllocOk(p, iommufd);
    assertThat(c).isEqualTo(2);
    assertThat(attach(p, dev, c)).isEqualTo(3);
    assertThat(objects(p, iommufd))
        .containsExactly("device 1", "ioas 2", "hwpt_paging 3", "ioas 4");
    assertThat(destroy(p, iommufd, b)).isZero();
  }

  @Test
  void detachOfAnUnattachedDeviceIsANoOp() {
    MemorySegment s = filled(12, 0x5a);
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, 12);
    VfioDeviceDetachIommufdPt.FLAGS.set(s, 0);
    byte[] before = bytes(s);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s)).isZero();
    assertThat(bytes(s)).isEqualTo(before);
    assertThat(detach(p, dev)).isZero();
    assertThat(detach(p, dev)).isZero();
    assertThat(objects(p, iommufd)).containsExactly("device 1");
  }

  @Test
  void detachFreesTheAutoHwptAndItsId() {
    int ioas = ioasAllocOk(p, iommufd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(detach(p, dev)).isZero();
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2");
    assertThat(d.iommufdBinding().hwpt()).isNull();
    assertThat(ioasAllocOk(p, iommufd)).isEqualTo(3);
    // attach again: a fresh auto HWPT with the lowest free id
    assertThat(attach(p, dev, ioas)).isEqualTo(4);
    assertThat(detach(p, dev)).isZero();
    assertThat(destroy(p, iommufd, ioas)).isZero();
  }

  @Test
  void pasidFlagIsEopnotsuppForVfioPci() {
    int ioas = ioasAllocOk(p, iommufd);
    assertThat(attachErr(attachArgs(16, 16, VFIO_DEVICE_ATTACH_PASID, ioas)))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    // no PASID support is found before the argsz for the pasid field is checked
    assertThat(attachErr(attachArgs(12, 12, VFIO_DEVICE_ATTACH_PASID, ioas)))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(attachErr(attachArgs(16, 16, VFIO_DEVICE_ATTACH_PASID, 99)))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    MemorySegment s = filled(12, 0);
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, 12);
    VfioDeviceDetachIommufdPt.FLAGS.set(s, VFIO_DEVICE_DETACH_PASID);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, 8);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
  }

  @Test
  void badArgszAndUnknownFlagsAreEinval() {
    int ioas = ioasAllocOk(p, iommufd);
    for (int argsz : new int[] {0, 8, 11}) {
      assertThat(attachErr(attachArgs(16, argsz, 0, ioas)))
          .as("argsz %d", argsz)
          .isEqualTo(Errno.EINVAL.negative());
    }
    for (int flags : new int[] {2, 3, 0x80000000}) {
      assertThat(attachErr(attachArgs(16, 16, flags, ioas)))
          .as("flags 0x%x", flags)
          .isEqualTo(Errno.EINVAL.negative());
    }
    // argsz is checked before the flags, and both before the pt_id
    assertThat(attachErr(attachArgs(16, 4, 2, 99))).isEqualTo(Errno.EINVAL.negative());
    assertThat(attachErr(attachArgs(16, 16, 2, 99))).isEqualTo(Errno.EINVAL.negative());
    // the 12 bytes are read before argsz is looked at
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, filled(8, 0)))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, MemorySegment.NULL))
        .isEqualTo(Errno.EFAULT.negative());

    MemorySegment s = filled(12, 0);
    for (int argsz : new int[] {0, 7}) {
      VfioDeviceDetachIommufdPt.ARGSZ.set(s, argsz);
      assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s))
          .isEqualTo(Errno.EINVAL.negative());
    }
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, 8);
    VfioDeviceDetachIommufdPt.FLAGS.set(s, 2);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s))
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, filled(4, 0)))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2");
  }

  @Test
  void attachWithATwelveByteBufferAndDetachWithEight() {
    int ioas = ioasAllocOk(p, iommufd);
    MemorySegment s = attachArgs(12, 12, 0, ioas);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s)).isZero();
    assertThat(VfioDeviceAttachIommufdPt.PT_ID.get(s)).isEqualTo(3);
    MemorySegment t = filled(8, 0);
    VfioDeviceDetachIommufdPt.ARGSZ.set(t, 8);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, t)).isZero();
    assertThat(objects(p, iommufd)).containsExactly("device 1", "ioas 2");
  }

  @Test
  void attachFailsCleanlyWhenAMappingCoversTheMsiWindow() {
    int ioas = ioasAllocOk(p, iommufd);
    long va = p.memory().map(0x1000).address();
    assertThat(mapFixed(p, iommufd, ioas, MSI_START, va, 0x1000)).isZero();
    assertThat(attachErr(ioas)).isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(d.iommufdBinding().hwpt()).isNull();
    Ranges r = iovaRanges(p, iommufd, ioas, 4);
    assertThat(r.ranges()).containsExactly(new IovaRange(0, ULONG_MAX));
    assertThat(r.alignment()).isEqualTo(1);
    assertThat(unmap(p, iommufd, ioas, MSI_START, 0x1000).ret()).isZero();
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
  }

  @Test
  void attachPinsExistingMappingsAndFailsCleanlyOnUnmappedMemory() {
    int ioas = ioasAllocOk(p, iommufd);
    // accepted without a domain: nothing is pinned at MAP time
    assertThat(mapFixed(p, iommufd, ioas, 0x10000, 0x1000, 0x1000)).isZero();
    assertThat(attachErr(ioas)).isEqualTo(Errno.EFAULT.negative());
    assertThat(d.iommufdBinding().hwpt()).isNull();
    assertThat(iovaRanges(p, iommufd, ioas, 4).alignment()).isEqualTo(1);
    assertThat(unmap(p, iommufd, ioas, 0, ULONG_MAX).length()).isEqualTo(0x1000);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
  }

  @Test
  void attachFailsCleanlyOnAMappingThatIsNotPageAligned() {
    int ioas = ioasAllocOk(p, iommufd);
    long va = p.memory().map(0x2000).address();
    assertThat(mapFixed(p, iommufd, ioas, 0x10800, va, 0x1000)).isZero();
    assertThat(attachErr(ioas)).isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(iovaRanges(p, iommufd, ioas, 4).ranges()).hasSize(1);
  }

  @Test
  void replaceThatFailsKeepsTheOldAttachment() {
    int a = ioasAllocOk(p, iommufd);
    assertThat(attach(p, dev, a)).isEqualTo(3);
    int b = ioasAllocOk(p, iommufd);
    long va = p.memory().map(0x1000).address();
    assertThat(mapFixed(p, iommufd, b, MSI_START + 0x1000, va, 0x1000)).isZero();
    assertThat(attachErr(b)).isEqualTo(Errno.EADDRINUSE.negative());
    assertThat(d.iommufdBinding().hwpt().id()).isEqualTo(3);
    assertThat(iovaRanges(p, iommufd, a, 4).ranges()).hasSize(2);
    assertThat(iovaRanges(p, iommufd, b, 4).ranges()).hasSize(1);
  }

  @Test
  void closingTheCdevDetachesAndFreesEverythingOfTheDevice() {
    int ioas = ioasAllocOk(p, iommufd);
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(p.close(dev)).isZero();
    assertThat(objects(p, iommufd)).containsExactly("ioas 2");
    assertThat(destroy(p, iommufd, 1)).isEqualTo(Errno.ENOENT.negative());
    assertThat(destroy(p, iommufd, ioas)).isZero();
    assertThat(ids(p, iommufd)).isEmpty();
    Cdev.assertUnbound(host, d);
  }
}
