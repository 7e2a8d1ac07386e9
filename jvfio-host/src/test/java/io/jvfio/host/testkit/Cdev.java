package io.jvfio.host.testkit;

import static io.jvfio.host.testkit.Devices.device;
import static io.jvfio.host.testkit.Kit.buf;
import static io.jvfio.host.testkit.Kit.openOk;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;

/** The device cdev: open, BIND/ATTACH/DETACH against an iommufd, and what a bound device is. */
public final class Cdev {
  private Cdev() {}

  public static int openCdev(HostProcess p, Host host, String bdf) {
    return openOk(p, device(host, bdf).cdevPath());
  }

  /** Opens the cdev of {@code bdf} and binds it to {@code iommufd}: the device fd. */
  public static int cdevBound(HostProcess p, Host host, String bdf, int iommufd) {
    int fd = openCdev(p, host, bdf);
    bindOk(p, fd, iommufd);
    return fd;
  }

  public static MemorySegment bindArgs(int argsz, int flags, int iommufd) {
    MemorySegment s = buf(Math.max(argsz, VfioDeviceBindIommufd.SIZEOF));
    VfioDeviceBindIommufd.ARGSZ.set(s, argsz);
    VfioDeviceBindIommufd.FLAGS.set(s, flags);
    VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
    return s;
  }

  /** A 24-byte BIND argument for {@code iommufd}, flags zero. */
  public static MemorySegment bindArg(int iommufd) {
    return bindArgs((int) VfioDeviceBindIommufd.SIZEOF, 0, iommufd);
  }

  /** VFIO_DEVICE_BIND_IOMMUFD with a 24-byte struct: the ioctl's own return, 0 or -errno. */
  public static int bindRaw(HostProcess p, int devFd, int iommufd) {
    return p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bindArg(iommufd));
  }

  /** VFIO_DEVICE_BIND_IOMMUFD with a 24-byte struct: the devid, or -errno. */
  public static int bind(HostProcess p, int devFd, int iommufd) {
    MemorySegment s = bindArg(iommufd);
    int ret = p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s);
    return ret < 0 ? ret : VfioDeviceBindIommufd.OUT_DEVID.get(s);
  }

  public static int bindOk(HostProcess p, int devFd, int iommufd) {
    int devid = bind(p, devFd, iommufd);
    assertThat(devid).as("BIND").isPositive();
    return devid;
  }

  /** VFIO_DEVICE_ATTACH_IOMMUFD_PT (argsz 12): the pt_id written back, or -errno. */
  public static int attach(HostProcess p, int devFd, int ptId) {
    MemorySegment s = buf(VfioDeviceAttachIommufdPt.MINSZ);
    VfioDeviceAttachIommufdPt.ARGSZ.set(s, (int) VfioDeviceAttachIommufdPt.MINSZ);
    VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
    int ret = p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
    return ret < 0 ? ret : VfioDeviceAttachIommufdPt.PT_ID.get(s);
  }

  /** VFIO_DEVICE_DETACH_IOMMUFD_PT (argsz 8): 0 or -errno. */
  public static int detach(HostProcess p, int devFd) {
    MemorySegment s = buf(VfioDeviceDetachIommufdPt.MINSZ);
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, (int) VfioDeviceDetachIommufdPt.MINSZ);
    return p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s);
  }

  /** A full-size (16-byte) ATTACH argument for {@code ptId}. */
  public static MemorySegment attachArg(int ptId) {
    MemorySegment s = buf(VfioDeviceAttachIommufdPt.SIZEOF);
    VfioDeviceAttachIommufdPt.ARGSZ.set(s, (int) VfioDeviceAttachIommufdPt.SIZEOF);
    VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
    return s;
  }

  /** A full-size DETACH argument. */
  public static MemorySegment detachArg() {
    MemorySegment s = buf(VfioDeviceDetachIommufdPt.SIZEOF);
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, (int) VfioDeviceDetachIommufdPt.SIZEOF);
    return s;
  }

  /** open(2) of the device's group node from a throwaway process; the fd or -errno. */
  public static int probeGroupOpen(Host host, VfioDevice d) {
    HostProcess q = host.process("group-probe");
    try {
      return q.open(d.group().path(), Kit.RDWR);
    } finally {
      q.close();
    }
  }

  /** The device is neither open nor bound, and its group node can be opened. */
  public static void assertUnbound(Host host, VfioDevice d) {
    assertThat(d.openCount()).as("%s openCount", d).isZero();
    assertThat(d.cdevOpened()).as("%s cdevOpened", d).isFalse();
    assertThat(d.iommufdBinding()).as("%s binding", d).isNull();
    assertThat(d.group().isOpen()).as("%s group open", d).isFalse();
    assertThat(probeGroupOpen(host, d)).as("%s group node opens", d).isGreaterThanOrEqualTo(0);
  }

  /** The device is bound through its cdev. */
  public static void assertCdevBound(VfioDevice d) {
    assertThat(d.openCount()).as("%s openCount", d).isEqualTo(1);
    assertThat(d.cdevOpened()).as("%s cdevOpened", d).isTrue();
    assertThat(d.iommufdBinding()).as("%s binding", d).isNotNull();
  }
}
