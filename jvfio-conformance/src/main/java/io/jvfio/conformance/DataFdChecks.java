package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * The data fd's rules (linux-migration.md §7, §8, §11; include/uapi/linux/vfio.h on the data fd,
 * the saving/resuming file operations of samples/vfio-mdev/mtty.c as the reference driver): its
 * direction, no position (ESPIPE), its end (0, never ENOMSG, in STOP_COPY), ENODEV once the session
 * ended, PRECOPY_INFO in and out of pre-copy, and a reset ending everything in RUNNING.
 */
final class DataFdChecks {
  private static final String FILE = "linux-migration.md §7.1; fs/read_write.c (stream_open)";
  private static final String SAVING = "linux-migration.md §7.2; include/uapi/linux/vfio.h";
  private static final String RESUMING = "linux-migration.md §7.3";
  private static final String LIFETIME = "linux-migration.md §7.4; include/linux/vfio.h";
  private static final String PRECOPY =
      "linux-migration.md §8; include/uapi/linux/vfio.h VFIO_MIG_GET_PRECOPY_INFO";
  private static final String RESET =
      "linux-migration.md §11; include/uapi/linux/vfio.h (ERROR and RESET)";

  private static final int F_GETFD = 1;
  private static final int F_GETFL = 3;
  private static final int FD_CLOEXEC = 1;
  private static final int SEEK_SET = 0;

  private DataFdChecks() {}

  static void run(RawDevice d, long flags, byte[] image, Recorder r) {
    saving(d, r);
    resuming(d, image, r);
    if ((flags & VFIO_MIGRATION_PRE_COPY) != 0) {
      preCopy(d, r);
    } else {
      r.skip("precopy", PRECOPY, "the device has no PRE_COPY flag");
    }
    reset(d, r);
    d.mustReset();
  }

  private static void saving(RawDevice d, Recorder r) {
    try {
      d.mustReset();
      int fd = d.mustSet(VFIO_DEVICE_STATE_STOP_COPY, "to open a saving session").dataFd();
      common(d, fd, "saving", OpenFlags.O_RDONLY, r);
      r.check("datafd.saving.write", FILE, "EBADF", Outcome.of(d.sys.write(fd, one())));
      r.check(
          "datafd.saving.precopy-info-in-stop-copy",
          PRECOPY + " (device not in pre-copy)",
          "EINVAL",
          Outcome.of(precopyInfo(d, fd, 24)));
      RawDevice.Drained all = d.drain(fd);
      r.check(
          "datafd.saving.end",
          SAVING + " (ENOMSG is for pre-copy only)",
          "0 after data",
          all.last() == 0 && all.bytes().length > 0
              ? "0 after data"
              : all.bytes().length + " bytes, then " + endText(all.last()));
      r.check(
          "datafd.saving.end-stays",
          SAVING,
          "0",
          endText(d.sys.read(fd, MemorySegment.ofArray(new byte[64]))));
      d.mustSet(VFIO_DEVICE_STATE_STOP, "to end the saving session");
      r.check(
          "datafd.saving.after-session",
          LIFETIME,
          "ENODEV",
          endText(d.sys.read(fd, MemorySegment.ofArray(new byte[64]))));
    } catch (KitException e) {
      r.broken("datafd.saving", SAVING, "a saving session from RUNNING to STOP_COPY", e);
    } finally {
      d.closeDataFds();
    }
  }

  private static void resuming(RawDevice d, byte[] image, Recorder r) {
    try {
      d.mustReset();
      d.mustSet(VFIO_DEVICE_STATE_STOP, "to resume from STOP");
      int fd = d.mustSet(VFIO_DEVICE_STATE_RESUMING, "to open a resuming session").dataFd();
      common(d, fd, "resuming", OpenFlags.O_WRONLY, r);
      r.check(
          "datafd.resuming.read",
          FILE,
          "EBADF",
          Outcome.of(d.sys.read(fd, MemorySegment.ofArray(new byte[64]))));
      r.check(
          "datafd.resuming.no-ioctl",
          PRECOPY + " (a resuming fd has no ioctl)",
          "ENOTTY",
          Outcome.of(precopyInfo(d, fd, 24)));
      long n = d.writeAll(fd, image);
      r.check(
          "datafd.resuming.own-image",
          RESUMING,
          image.length + " bytes",
          n < 0 ? Outcome.of(n) : n + " bytes");
      RawDevice.Set stop = d.set(VFIO_DEVICE_STATE_STOP);
      r.check(
          "datafd.resuming.complete-image-accepted",
          RESUMING + " (RESUMING to STOP validates the stream)",
          "ok, GET STOP",
          Outcome.of(stop.ret()) + ", GET " + MigrationRules.name(d.state()));
      r.check(
          "datafd.resuming.after-session", LIFETIME, "ENODEV", Outcome.of(d.sys.write(fd, one())));
    } catch (KitException e) {
      r.broken("datafd.resuming", RESUMING, "a resuming session from STOP", e);
    } finally {
      d.closeDataFds();
    }
  }

  /** What every data fd shares: direction, close-on-exec, no position. */
  private static void common(RawDevice d, int fd, String kind, int access, Recorder r) {
    String want = access == OpenFlags.O_RDONLY ? "O_RDONLY" : "O_WRONLY";
    int fl = d.sys.fcntl(fd, F_GETFL, 0);
    String got =
        fl < 0
            ? Outcome.of(fl)
            : switch (fl & OpenFlags.O_ACCMODE) {
              case OpenFlags.O_RDONLY -> "O_RDONLY";
              case OpenFlags.O_WRONLY -> "O_WRONLY";
              default -> "O_RDWR";
            };
    r.check("datafd." + kind + ".access", FILE, want, got);
    int fdFlags = d.sys.fcntl(fd, F_GETFD, 0);
    r.check(
        "datafd." + kind + ".cloexec",
        FILE + "; vfio_main.c vfio_ioct_mig_return_fd",
        "FD_CLOEXEC",
        fdFlags < 0 ? Outcome.of(fdFlags) : (fdFlags & FD_CLOEXEC) != 0 ? "FD_CLOEXEC" : "not set");
    r.check("datafd." + kind + ".lseek", FILE, "ESPIPE", Outcome.of(d.sys.lseek(fd, 0, SEEK_SET)));
    long positioned =
        access == OpenFlags.O_RDONLY
            ? d.sys.pread(fd, MemorySegment.ofArray(new byte[8]), 0)
            : d.sys.pwrite(fd, one(), 0);
    r.check(
        "datafd." + kind + (access == OpenFlags.O_RDONLY ? ".pread" : ".pwrite"),
        FILE,
        "ESPIPE",
        Outcome.of(positioned));
  }

  private static void preCopy(RawDevice d, Recorder r) {
    try {
      d.mustReset();
      int fd = d.mustSet(VFIO_DEVICE_STATE_PRE_COPY, "to open a pre-copy session").dataFd();
      r.check("precopy.info", PRECOPY, Outcome.OK, Outcome.of(precopyInfo(d, fd, 24)));
      r.check("precopy.info-argsz-short", PRECOPY, "EINVAL", Outcome.of(precopyInfo(d, fd, 16)));
      r.check(
          "precopy.other-ioctl-on-fd",
          PRECOPY,
          "ENOTTY",
          Outcome.of(d.sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L)));
      RawDevice.Drained initial = d.drain(fd);
      r.check(
          "precopy.read-to-temporary-end",
          SAVING + " (drivers answer ENOMSG or 0)",
          Set.of("0", "ENOMSG"),
          "0 or ENOMSG",
          endText(initial.last()));
      RawDevice.Set toStopCopy = d.set(VFIO_DEVICE_STATE_STOP_COPY);
      r.check(
          "precopy.to-stop-copy-keeps-fd",
          "linux-migration.md §5, §6.1",
          "ok, no data fd",
          Outcome.of(toStopCopy.ret()) + (toStopCopy.gaveFd() ? ", data fd" : ", no data fd"));
      RawDevice.Drained rest = d.drain(fd);
      r.check("precopy.stop-copy-end", SAVING, "0", endText(rest.last()));
    } catch (KitException e) {
      r.broken("precopy", PRECOPY, "a pre-copy session from RUNNING", e);
    } finally {
      d.closeDataFds();
    }
  }

  private static void reset(RawDevice d, Recorder r) {
    try {
      d.mustReset();
      int fd = d.mustSet(VFIO_DEVICE_STATE_STOP_COPY, "to have a session for the reset").dataFd();
      int ret = d.reset();
      r.check(
          "reset.to-running",
          RESET,
          "ok, GET RUNNING",
          Outcome.of(ret) + ", GET " + MigrationRules.name(d.state()));
      r.check(
          "reset.ends-session",
          RESET + "; " + LIFETIME,
          "ENODEV",
          endText(d.sys.read(fd, MemorySegment.ofArray(new byte[64]))));
    } catch (KitException e) {
      r.broken("reset", RESET, "a reset from STOP_COPY", e);
    } finally {
      d.closeDataFds();
    }
  }

  private static int precopyInfo(RawDevice d, int fd, int argsz) {
    MemorySegment s = MemorySegment.ofArray(new byte[(int) VfioPrecopyInfo.SIZEOF]);
    VfioPrecopyInfo.ARGSZ.set(s, argsz);
    return d.sys.ioctl(fd, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, s);
  }

  /** A read's answer at an end: "0", an errno, or how many bytes came instead. */
  private static String endText(long ret) {
    return ret == 0 ? "0" : ret < 0 ? Outcome.of(ret) : ret + " bytes";
  }

  private static MemorySegment one() {
    return MemorySegment.ofArray(new byte[1]);
  }
}
