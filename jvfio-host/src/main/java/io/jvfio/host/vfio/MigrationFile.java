package io.jvfio.host.vfio;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.lang.foreign.MemorySegment;

/**
 * A migration data fd: an anonymous stream file, read-only for a saving session and write-only for
 * a resuming one. The device keeps its own reference while the session lasts; when the session ends
 * the file is disabled and every read or write is ENODEV, whoever still holds it.
 */
public final class MigrationFile extends OpenFile {
  private final DeviceMigration owner;
  private final MigrationDriver.Session session;
  private boolean disabled;
  private boolean broken;

  MigrationFile(DeviceMigration owner, MigrationDriver.Session session) {
    super(session instanceof SavingStream, session instanceof ResumingStream);
    this.owner = owner;
    this.session = session;
  }

  @Override
  public String describe() {
    return "anon_inode:[vfio-mig] "
        + (readable() ? "saving " : "resuming ")
        + owner.device().name()
        + (disabled ? " (ended)" : "");
  }

  public boolean saving() {
    return session instanceof SavingStream;
  }

  public boolean disabled() {
    return disabled;
  }

  /** True once the stream failed unexpectedly: it answers EIO and is not asked again. */
  public boolean broken() {
    return broken;
  }

  /** The session ended: tell the driver once (ending cannot fail), then answer ENODEV. */
  void disable() {
    if (!disabled) {
      disabled = true;
      try {
        session.close();
      } catch (Throwable t) {
        owner.device().modelFailures().record("data session close", t);
      }
    }
  }

  /**
   * The errno for what the stream threw. After a bug the stream's position is unknown, so the file
   * breaks for good rather than pass on bytes that may be out of order (mlx5 breaks its file on any
   * error too).
   */
  private KernelError failed(String where, Throwable t) {
    KernelError k = owner.device().modelFailures().answer(where, t);
    if (!ModelFailures.deliberate(t)) {
      broken = true;
    }
    return k;
  }

  @Override
  public long read(MemorySegment buf) {
    KernelError.check(!disabled, Errno.ENODEV);
    KernelError.check(!broken, Errno.EIO);
    KernelError.check(!buf.isReadOnly(), Errno.EFAULT);
    long n;
    try {
      n = ((SavingStream) session).read(buf);
    } catch (Throwable t) {
      throw failed("data read", t);
    }
    if (n < 0 || n > buf.byteSize()) {
      throw failed("data read", new IllegalStateException("read " + n + " of " + buf.byteSize()));
    }
    return n;
  }

  @Override
  public long write(MemorySegment buf) {
    KernelError.check(!disabled, Errno.ENODEV);
    KernelError.check(!broken, Errno.EIO);
    long n;
    try {
      n = ((ResumingStream) session).write(buf);
    } catch (Throwable t) {
      throw failed("data write", t);
    }
    if (n < 0 || n > buf.byteSize()) {
      throw failed("data write", new IllegalStateException("wrote " + n + " of " + buf.byteSize()));
    }
    return n;
  }

  @Override
  public int ioctl(long request, UserArg arg) {
    if (!(session instanceof SavingStream stream)
        || request != VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO) {
      throw new KernelError(Errno.ENOTTY);
    }
    MemorySegment k = arg.copyIn(VfioPrecopyInfo.SIZEOF);
    KernelError.check(VfioPrecopyInfo.ARGSZ.getUnsigned(k) >= VfioPrecopyInfo.MINSZ, Errno.EINVAL);
    boolean v2 = owner.precopyInfoV2();
    if (v2) {
      VfioPrecopyInfo.FLAGS.set(k, 0);
    }
    MigrationState now = owner.state();
    KernelError.check(
        now == MigrationState.PRE_COPY || now == MigrationState.PRE_COPY_P2P, Errno.EINVAL);
    KernelError.check(!disabled, Errno.ENODEV);
    KernelError.check(!broken, Errno.EIO);
    SavingStream.PrecopyInfo info;
    try {
      info = stream.precopyInfo();
    } catch (Throwable t) {
      throw failed("precopy info", t);
    }
    if (info == null) {
      throw failed("precopy info", new NullPointerException("precopyInfo() returned null"));
    }
    VfioPrecopyInfo.INITIAL_BYTES.set(k, info.initialBytes());
    VfioPrecopyInfo.DIRTY_BYTES.set(k, info.dirtyBytes());
    if (v2 && info.reinit()) {
      VfioPrecopyInfo.FLAGS.set(k, VfioConstants.VFIO_PRECOPY_INFO_REINIT);
    }
    arg.copyOut(k, VfioPrecopyInfo.SIZEOF);
    return 0;
  }

  @Override
  public int poll() {
    if (session instanceof SavingStream stream) {
      int in = PollBits.POLLIN | PollBits.POLLRDNORM;
      if (disabled) {
        return in | PollBits.POLLRDHUP;
      }
      if (broken) {
        return in | PollBits.POLLERR;
      }
      try {
        return stream.readable() ? in : 0;
      } catch (Throwable t) {
        // poll has no errno: the file breaks, and the read it wakes answers EIO
        failed("poll", t);
        return in | PollBits.POLLERR;
      }
    }
    // no Linux driver gives a resuming file a poll op: the VFS default mask, whatever the mode
    return PollBits.DEFAULT_POLLMASK;
  }
}
