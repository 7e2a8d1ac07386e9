package io.jvfio.client;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A device's migration (protocol v2): flags, state, the data stream and its accounting. The data fd
 * lives inside: a SET that opens a session keeps it, one that ends the session closes it, so
 * callers never handle fd numbers.
 */
public final class Migration {
  /** What {@link #read} returns when the device has no data right now (PRE_COPY, ENOMSG). */
  public static final long NO_DATA_NOW = -1;

  private final VfioDevice device;
  private final Syscalls sys;
  private final long flags;

  /**
   * How long a read waits for a device that has no data ready yet, unless the caller says: a
   * device's whole image is seldom a minute's work.
   */
  public static final Duration DEFAULT_READ_WAIT = Duration.ofSeconds(60);

  private MigrationState knownState;
  private int dataFd = -1;

  /** Whether the open stream's fd has O_NONBLOCK: set before its first read, not in the SET. */
  private boolean nonBlocking;

  private long readWaitNanos = DEFAULT_READ_WAIT.toNanos();

  private Migration(VfioDevice device, long flags) {
    this.device = device;
    this.sys = device.sys();
    this.flags = flags;
  }

  /** FEATURE GET MIGRATION: the device's migration, or null when it has none (ENOTTY). */
  static Migration probe(VfioDevice device) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
              VfioDeviceFeatureMigration.SIZEOF);
      int r = device.sys().ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s);
      if (r == Errno.ENOTTY.negative()) {
        return null;
      }
      Calls.check(r, "VFIO_DEVICE_FEATURE(GET MIGRATION, " + device.name() + ")");
      return new Migration(device, VfioDeviceFeatureMigration.FLAGS.get(payload(s)));
    }
  }

  private static MemorySegment feature(Arena a, int flags, long payload) {
    MemorySegment s = a.allocate(VfioDeviceFeature.SIZEOF + payload);
    VfioDeviceFeature.ARGSZ.set(s, (int) s.byteSize());
    VfioDeviceFeature.FLAGS.set(s, flags);
    return s;
  }

  private static MemorySegment payload(MemorySegment s) {
    return s.asSlice(VfioDeviceFeature.DATA_OFFSET);
  }

  public VfioDevice device() {
    return device;
  }

  /** {@code VFIO_MIGRATION_*} bits. */
  public long flags() {
    return flags;
  }

  public boolean hasP2P() {
    return (flags & VFIO_MIGRATION_P2P) != 0;
  }

  public boolean hasPreCopy() {
    return (flags & VFIO_MIGRATION_PRE_COPY) != 0;
  }

  /** FEATURE GET MIG_DEVICE_STATE. */
  public MigrationState state() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
              VfioDeviceFeatureMigState.SIZEOF);
      Calls.check(
          sys.ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s),
          "GET MIG_DEVICE_STATE(" + device.name() + ")");
      long v = VfioDeviceFeatureMigState.DEVICE_STATE.getUnsigned(payload(s));
      knownState =
          MigrationState.of(v).orElseThrow(() -> new IllegalStateException("device state " + v));
      return knownState;
    }
  }

  /**
   * FEATURE SET MIG_DEVICE_STATE. A session-opening SET keeps the new data fd; leaving the saving
   * group or RESUMING closes it. On failure the exception says where the device ended up.
   */
  public void set(MigrationState target) {
    int newFd;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
              VfioDeviceFeatureMigState.SIZEOF);
      VfioDeviceFeatureMigState.DEVICE_STATE.set(payload(s), target.value());
      VfioDeviceFeatureMigState.DATA_FD.set(payload(s), -1);
      int r = sys.ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s);
      if (r < 0) {
        MigrationState now = state();
        dropEndedSession(now);
        throw new VfioException(
            r,
            "SET MIG_DEVICE_STATE " + target + " (" + device.name() + ")",
            "the device is now in " + now);
      }
      newFd = VfioDeviceFeatureMigState.DATA_FD.get(payload(s));
    }
    knownState = target;
    if (newFd >= 0) {
      closeDataFd();
      dataFd = newFd;
      nonBlocking = false;
    } else {
      dropEndedSession(target);
    }
  }

  /**
   * Sets O_NONBLOCK on a saving fd: a driver whose read waits for the device (mlx5's, while its
   * save command runs) then answers EAGAIN instead, and {@link #read} waits in polls with a
   * deadline. A read that blocks in the kernel could not be cut short. Done once per session, at
   * its first read rather than in the SET, whose time an engine measures as the device's arc; a
   * device whose reads never wait (every emulated one) pays nothing per read.
   */
  private void readsNeverWait(int fd) {
    int fl = sys.fcntl(fd, PollBits.F_GETFL, 0);
    if (fl < 0) {
      Calls.check(fl, "fcntl(F_GETFL, data fd of " + device.name() + ")");
    }
    Calls.check(
        sys.fcntl(fd, PollBits.F_SETFL, fl | OpenFlags.O_NONBLOCK),
        "fcntl(F_SETFL O_NONBLOCK, data fd of " + device.name() + ")");
  }

  /**
   * The longest a {@link #read} waits for a device that has no data ready (EAGAIN) before it fails
   * with ETIMEDOUT; a migration engine passes its peer timeout.
   */
  public void setReadWait(Duration limit) {
    if (limit.isNegative() || limit.isZero()) {
      throw new IllegalArgumentException("read wait must be positive: " + limit);
    }
    readWaitNanos = limit.toNanos();
  }

  private void dropEndedSession(MigrationState now) {
    if (!now.inSavingGroup() && now != MigrationState.RESUMING) {
      closeDataFd();
    }
  }

  /** Whether a data stream is open (a saving or resuming session). */
  public boolean hasDataStream() {
    return dataFd >= 0;
  }

  /**
   * Reads the next bytes of the saving stream into {@code buf}: the count, 0 at the end (or a
   * temporary end for devices that answer 0 in PRE_COPY), or {@link #NO_DATA_NOW}. A device that is
   * still preparing its data (EAGAIN) is waited for, at most the read wait ({@link #setReadWait});
   * then this fails with ETIMEDOUT.
   */
  public long read(MemorySegment buf) {
    int fd = requireStream();
    if (!nonBlocking) {
      readsNeverWait(fd);
      nonBlocking = true;
    }
    long r = sys.read(fd, buf);
    if (r >= 0) {
      return r; // the data path: no poll, and no message is built unless the call failed
    }
    if (r == Errno.EAGAIN.negative()) {
      r = readWhenReady(fd, buf);
    }
    if (r == Errno.ENOMSG.negative()) {
      return NO_DATA_NOW;
    }
    return Calls.check(r, "read(data fd of " + device.name() + ")");
  }

  /**
   * Polls (without waiting, pausing 1 ms, doubling to 10 ms, between polls) until a read returns
   * something other than EAGAIN, or the read wait has passed. Returns that read's answer.
   */
  private long readWhenReady(int fd, MemorySegment buf) {
    long end = System.nanoTime() + readWaitNanos;
    long pauseMs = 1;
    while (true) {
      int p = sys.poll(fd, PollBits.POLLIN);
      if (p < 0) {
        Calls.check(p, "poll(data fd of " + device.name() + ")");
      }
      if (PollBits.readWontWait(p)) {
        long r = sys.read(fd, buf);
        if (r != Errno.EAGAIN.negative()) {
          return r;
        }
      }
      if (System.nanoTime() - end >= 0) {
        throw new VfioException(
            Errno.ETIMEDOUT.negative(),
            "read(data fd of " + device.name() + ")",
            "the device had no data ready within the read wait of "
                + readWaitNanos / 1_000_000
                + " ms");
      }
      try {
        Thread.sleep(pauseMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VfioException(
            Errno.EINTR.negative(),
            "read(data fd of " + device.name() + ")",
            "interrupted while waiting for the device's data");
      }
      pauseMs = Math.min(pauseMs * 2, 10);
    }
  }

  /**
   * Whether a {@link #read} of the saving stream returns now instead of waiting for the device:
   * poll(2), without waiting, says POLLIN, or an error or hang-up the read then reports. A driver
   * whose read waits for the device (mlx5's does until its save command ends) answers POLLIN only
   * once data is there; for one without a poll operation the VFS answers POLLIN at once.
   */
  public boolean readable() {
    int r = sys.poll(requireStream(), PollBits.POLLIN);
    if (r < 0) {
      Calls.check(r, "poll(data fd of " + device.name() + ")");
    }
    return PollBits.readWontWait(r);
  }

  /** Writes all of {@code src} to the resuming stream. */
  public void writeFully(MemorySegment src) {
    int fd = requireStream();
    long off = 0;
    while (off < src.byteSize()) {
      long n = sys.write(fd, off == 0 ? src : src.asSlice(off));
      if (n < 0) {
        Calls.check(n, "write(data fd of " + device.name() + ")");
      }
      if (n == 0) {
        throw new VfioException(
            -Errno.EIO.number(),
            "write(data fd of " + device.name() + ")",
            "the device accepted nothing");
      }
      off += n;
    }
  }

  private int requireStream() {
    if (dataFd < 0) {
      throw new IllegalStateException(device.name() + " has no open migration data stream");
    }
    return dataFd;
  }

  /** VFIO_MIG_GET_PRECOPY_INFO on the saving stream. */
  public record PrecopyInfo(long initialBytes, long dirtyBytes, boolean reinit) {}

  public PrecopyInfo precopyInfo() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(VfioPrecopyInfo.SIZEOF);
      VfioPrecopyInfo.ARGSZ.set(s, (int) VfioPrecopyInfo.SIZEOF);
      Calls.check(
          sys.ioctl(requireStream(), VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, s),
          "VFIO_MIG_GET_PRECOPY_INFO(" + device.name() + ")");
      return new PrecopyInfo(
          VfioPrecopyInfo.INITIAL_BYTES.get(s),
          VfioPrecopyInfo.DIRTY_BYTES.get(s),
          (VfioPrecopyInfo.FLAGS.get(s) & VFIO_PRECOPY_INFO_REINIT) != 0);
    }
  }

  /** FEATURE GET MIG_DATA_SIZE: the bytes a STOP_COPY session would produce now. */
  public long stopCopySize() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
              VfioDeviceFeatureMigDataSize.SIZEOF);
      Calls.check(
          sys.ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s),
          "GET MIG_DATA_SIZE(" + device.name() + ")");
      return VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.get(payload(s));
    }
  }

  /** FEATURE SET MIG_PRECOPY_INFOv2: precopy info flags start at 0 and may say REINIT. */
  public void optIntoPrecopyInfoV2() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(a, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, 0);
      Calls.check(
          sys.ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s),
          "SET MIG_PRECOPY_INFOv2(" + device.name() + ")");
    }
  }

  /** After a device reset the state is RUNNING and any session is over. */
  void afterReset() {
    knownState = MigrationState.RUNNING;
    closeDataFd();
  }

  void closeDataFd() {
    if (dataFd >= 0) {
      int fd = dataFd;
      dataFd = -1;
      Calls.check(sys.close(fd), "close(data fd of " + device.name() + ")");
    }
  }
}
