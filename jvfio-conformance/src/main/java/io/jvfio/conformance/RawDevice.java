package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A device opened as a VMM opens it on the cdev path (open /dev/iommu, open the cdev, BIND), with
 * the raw calls the checks make. Every fd it opens, data fds included, is closed by {@link #close}.
 */
final class RawDevice implements AutoCloseable {
  /** A data fd longer than this is not a device state the kit should hold in memory. */
  static final int MAX_IMAGE = 256 << 20;

  final Syscalls sys;
  final int iommufd;
  final int fd;
  final int devid;
  private final List<Integer> extraFds = new ArrayList<>();

  private RawDevice(Syscalls sys, int iommufd, int fd, int devid) {
    this.sys = sys;
    this.iommufd = iommufd;
    this.fd = fd;
    this.devid = devid;
  }

  static RawDevice open(Syscalls sys, Target t) {
    int iommufd = sys.open("/dev/iommu", OpenFlags.O_RDWR);
    if (iommufd < 0) {
      throw new KitException("open /dev/iommu failed with " + Errno.describe(iommufd));
    }
    int fd = sys.open(t.cdevPath(), OpenFlags.O_RDWR);
    if (fd < 0) {
      sys.close(iommufd);
      throw new KitException("open " + t.cdevPath() + " failed with " + Errno.describe(fd));
    }
    MemorySegment b = bindArg(iommufd);
    int r = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b);
    if (r < 0) {
      sys.close(fd);
      sys.close(iommufd);
      throw new KitException(
          "VFIO_DEVICE_BIND_IOMMUFD of " + t.cdevPath() + " failed with " + Errno.describe(r));
    }
    return new RawDevice(sys, iommufd, fd, VfioDeviceBindIommufd.OUT_DEVID.get(b));
  }

  static MemorySegment bindArg(int iommufd) {
    MemorySegment b = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
    VfioDeviceBindIommufd.ARGSZ.set(b, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(b, iommufd);
    return b;
  }

  /** IOMMU_IOAS_ALLOC on {@code iommufd}: the new IOAS's id. */
  static int allocIoas(Syscalls sys, int iommufd) {
    MemorySegment a = MemorySegment.ofArray(new byte[(int) IommuIoasAlloc.SIZEOF]);
    IommuIoasAlloc.SIZE.set(a, (int) IommuIoasAlloc.SIZEOF);
    int r = sys.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_ALLOC, a);
    if (r < 0) {
      throw new KitException("IOMMU_IOAS_ALLOC failed with " + Errno.describe(r));
    }
    return IommuIoasAlloc.OUT_IOAS_ID.get(a);
  }

  /** VFIO_DEVICE_FEATURE with a header of {@code argsz}, {@code flags} and a zeroed payload. */
  int feature(int argsz, int flags) {
    return feature(header(argsz, flags));
  }

  int feature(MemorySegment arg) {
    return sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_FEATURE, arg);
  }

  static MemorySegment header(int argsz, int flags) {
    MemorySegment s = MemorySegment.ofArray(new byte[Math.max(argsz, 8) + 8]);
    VfioDeviceFeature.ARGSZ.set(s, argsz);
    VfioDeviceFeature.FLAGS.set(s, flags);
    return s;
  }

  /** The migration flags, or empty when GET of VFIO_DEVICE_FEATURE_MIGRATION fails (the errno). */
  long migrationFlags() {
    MemorySegment s = header(16, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION);
    int r = feature(s);
    return r < 0 ? r : VfioDeviceFeatureMigration.FLAGS.get(s.asSlice(8));
  }

  /** GET of the migration state: the state's value, or {@code -errno}. */
  int state() {
    MemorySegment s = header(16, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    int r = feature(s);
    return r < 0 ? r : VfioDeviceFeatureMigState.DEVICE_STATE.get(s.asSlice(8));
  }

  /** What a SET returned and wrote back; a data fd it gave is closed with the device. */
  record Set(int ret, int echoed, int dataFd) {
    boolean gaveFd() {
      return ret >= 0 && dataFd >= 0;
    }
  }

  Set set(int state) {
    MemorySegment s = header(16, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    MemorySegment payload = s.asSlice(8);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(payload, state);
    // a value the kernel overwrites on every completed SET, so the write-back is visible
    VfioDeviceFeatureMigState.DATA_FD.set(payload, 0x5a5a5a5a);
    int r = feature(s);
    Set out =
        new Set(
            r,
            VfioDeviceFeatureMigState.DEVICE_STATE.get(payload),
            VfioDeviceFeatureMigState.DATA_FD.get(payload));
    if (out.gaveFd()) {
      extraFds.add(out.dataFd());
    }
    return out;
  }

  /** SET that must succeed: a step towards what a check judges. */
  Set mustSet(int state, String why) {
    Set s = set(state);
    if (s.ret() < 0) {
      throw new KitException(
          "SET to state " + state + " (" + why + ") failed with " + Errno.describe(s.ret()));
    }
    return s;
  }

  int reset() {
    return sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L);
  }

  void mustReset() {
    int r = reset();
    if (r < 0) {
      throw new KitException("VFIO_DEVICE_RESET failed with " + Errno.describe(r));
    }
  }

  /**
   * Reads {@code dataFd} until a read answers 0 or an error; returns the bytes and the last answer
   * (0, or {@code -errno}).
   */
  record Drained(byte[] bytes, long last) {}

  Drained drain(int dataFd) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 << 10];
    MemorySegment buf = MemorySegment.ofArray(chunk);
    while (true) {
      long n = sys.read(dataFd, buf);
      if (n <= 0) {
        return new Drained(out.toByteArray(), n);
      }
      out.write(chunk, 0, (int) n);
      if (out.size() > MAX_IMAGE) {
        throw new KitException("the data fd gave more than " + MAX_IMAGE + " bytes without an end");
      }
    }
  }

  /** Writes all of {@code image}; returns the bytes consumed, or the first error. */
  long writeAll(int dataFd, byte[] image) {
    long done = 0;
    while (done < image.length) {
      long n = sys.write(dataFd, MemorySegment.ofArray(image).asSlice(done));
      if (n <= 0) {
        return n < 0 ? n : done;
      }
      done += n;
    }
    return done;
  }

  /**
   * The device's own state image: from RUNNING to STOP_COPY, read to the end, back to RUNNING by
   * reset. Resuming a device needs a stream its driver accepts, and its own image is one.
   */
  byte[] ownImage() {
    mustReset();
    Set s = mustSet(VFIO_DEVICE_STATE_STOP_COPY, "to save the device's own image");
    if (!s.gaveFd()) {
      throw new KitException("RUNNING to STOP_COPY gave no data fd, so no image to resume");
    }
    Drained d = drain(s.dataFd());
    if (d.last() < 0) {
      throw new KitException("reading the saving fd failed with " + Errno.describe(d.last()));
    }
    mustReset();
    return d.bytes();
  }

  /** Closes the data fds handed out so far (the session itself lives until the next arc). */
  void closeDataFds() {
    for (int f : extraFds) {
      sys.close(f);
    }
    extraFds.clear();
  }

  @Override
  public void close() {
    closeDataFds();
    sys.close(fd);
    sys.close(iommufd);
  }
}
