package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;

/**
 * The cdev's BIND and ATTACH rules (linux-cdev-hot-reset.md §3.3-§3.5; device_cdev.c {@code
 * vfio_df_ioctl_bind_iommufd}, {@code vfio_df_ioctl_attach_pt}; vfio_main.c {@code
 * vfio_device_fops_unl_ioctl}). They open and bind fds of their own and close them again; the
 * device's state is not touched.
 */
final class BindChecks {
  private static final String BEFORE_BIND =
      "linux-cdev-hot-reset.md §3.3; vfio_main.c vfio_device_fops_unl_ioctl";
  private static final String BIND =
      "linux-cdev-hot-reset.md §3.4; device_cdev.c vfio_df_ioctl_bind_iommufd";
  private static final String ATTACH =
      "linux-cdev-hot-reset.md §3.5; device_cdev.c vfio_df_ioctl_attach_pt";

  private static final String ACCESS =
      "linux-cdev-hot-reset.md §3.5; vfio/iommufd.c vfio_iommufd_emulated_attach_ioas;"
          + " iommufd/device.c iommufd_access_attach";

  /** An object id no iommufd of the kit's has handed out. */
  private static final int MISSING_ID = 0x7fff_fff0;

  private BindChecks() {}

  static void run(Syscalls sys, Target t, Recorder r) {
    int iommufd = sys.open("/dev/iommu", OpenFlags.O_RDWR);
    int fd = sys.open(t.cdevPath(), OpenFlags.O_RDWR);
    try {
      if (iommufd < 0 || fd < 0) {
        throw new KitException(
            "could not open /dev/iommu and "
                + t.cdevPath()
                + ": "
                + Outcome.of(iommufd)
                + ", "
                + Outcome.of(fd));
      }
      r.check(
          "cdev.feature-before-bind",
          BEFORE_BIND,
          "EINVAL",
          Outcome.of(
              sys.ioctl(
                  fd,
                  VfioIoctls.VFIO_DEVICE_FEATURE,
                  RawDevice.header(16, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | 1))));
      r.check(
          "cdev.reset-before-bind",
          BEFORE_BIND,
          "EINVAL",
          Outcome.of(sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L)));
      MemorySegment shortArg = RawDevice.bindArg(iommufd);
      VfioDeviceBindIommufd.ARGSZ.set(shortArg, 8);
      r.check(
          "bind.argsz-short",
          BIND,
          "EINVAL",
          Outcome.of(sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, shortArg)));
      r.check(
          "bind.negative-iommufd",
          BIND + " (no negative-fd noiommu mode)",
          "EINVAL",
          Outcome.of(sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, RawDevice.bindArg(-2))));
      r.check(
          "bind.not-an-iommufd",
          BIND + "; iommufd/main.c iommufd_ctx_from_fd",
          "EBADFD",
          Outcome.of(sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, RawDevice.bindArg(fd))));
      MemorySegment b = RawDevice.bindArg(iommufd);
      int bound = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b);
      r.check("bind.ok", BIND, Outcome.OK, Outcome.of(bound));
      if (bound < 0) {
        return;
      }
      int devid = VfioDeviceBindIommufd.OUT_DEVID.get(b);
      r.check(
          "bind.twice-on-one-fd",
          BIND + " (one bind per open)",
          "EINVAL",
          Outcome.of(
              sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, RawDevice.bindArg(iommufd))));
      int second = sys.open(t.cdevPath(), OpenFlags.O_RDWR);
      r.check("cdev.second-open", "linux-cdev-hot-reset.md §3.2", Outcome.OK, Outcome.of(second));
      if (second >= 0) {
        r.check(
            "bind.second-fd-while-bound",
            BIND + " (vfio_df_open: device already open)",
            "EINVAL",
            Outcome.of(
                sys.ioctl(
                    second, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, RawDevice.bindArg(iommufd))));
        sys.close(second);
      }
      r.check(
          "attach.missing-id", ATTACH, "ENOENT", Outcome.of(attach(sys, fd, MISSING_ID, 12).ret()));
      if (t.isMdev()) {
        r.check(
            "attach.device-id",
            ACCESS + " (an access takes only an IOAS; any other object is not found)",
            "ENOENT",
            Outcome.of(attach(sys, fd, devid, 12).ret()));
      } else {
        r.check(
            "attach.device-id",
            ATTACH + " (the object is neither an IOAS nor a HWPT)",
            "EINVAL",
            Outcome.of(attach(sys, fd, devid, 12).ret()));
      }
      r.check("attach.argsz-short", ATTACH, "EINVAL", Outcome.of(attach(sys, fd, devid, 8).ret()));
      // the working case after the refusals: an IOAS of this iommufd is attachable
      int ioas = RawDevice.allocIoas(sys, iommufd);
      Attached a = attach(sys, fd, ioas, 12);
      r.check("attach.ioas", ATTACH, Outcome.OK, Outcome.of(a.ret()));
      if (a.ret() >= 0 && t.isMdev()) {
        r.check(
            "attach.pt-id",
            ACCESS + " (no HWPT is made: pt_id stays the IOAS id)",
            "pt_id " + ioas,
            "pt_id " + a.ptId());
      } else if (a.ret() >= 0) {
        r.check(
            "attach.pt-id",
            ATTACH + "; iommufd/device.c iommufd_device_auto_get_domain (an IOAS gets a HWPT)",
            "pt_id a new HWPT, not the IOAS " + ioas,
            a.ptId() == ioas
                ? "pt_id " + a.ptId() + " (the IOAS itself)"
                : "pt_id a new HWPT, not the IOAS " + ioas);
        if (a.ptId() != ioas) {
          DirtyBitmapChecks.run(sys, iommufd, a.ptId(), r);
        }
      }
    } catch (KitException e) {
      r.broken("bind", BIND, "the device opens on its cdev", e);
    } finally {
      if (fd >= 0) {
        sys.close(fd);
      }
      if (iommufd >= 0) {
        sys.close(iommufd);
      }
    }
  }

  /** An ATTACH's answer and the pt_id the kernel wrote back. */
  private record Attached(int ret, int ptId) {}

  private static Attached attach(Syscalls sys, int fd, int ptId, int argsz) {
    MemorySegment a = MemorySegment.ofArray(new byte[(int) VfioDeviceAttachIommufdPt.SIZEOF]);
    VfioDeviceAttachIommufdPt.ARGSZ.set(a, argsz);
    VfioDeviceAttachIommufdPt.PT_ID.set(a, ptId);
    int ret = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, a);
    return new Attached(ret, VfioDeviceAttachIommufdPt.PT_ID.get(a));
  }
}
