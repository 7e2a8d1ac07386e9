package io.jvfio.host.vfio;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
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

  /** The session ended: tell the driver once, then answer ENODEV. */
  void disable() {
    if (!disabled) {
      disabled = true;
      session.close();
    }
  }

  @Override
  public long read(MemorySegment buf) {
    KernelError.check(!disabled, Errno.ENODEV);
    KernelError.check(!buf.isReadOnly(), Errno.EFAULT);
    try {
      return ((SavingStream) session).read(buf);
    } catch (MigrationException e) {
      throw new KernelError(e.errno(), e.getMessage());
    }
  }

  @Override
  public long write(MemorySegment buf) {
    KernelError.check(!disabled, Errno.ENODEV);
    try {
      return ((ResumingStream) session).write(buf);
    } catch (MigrationException e) {
      throw new KernelError(e.errno(), e.getMessage());
    }
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
    SavingStream.PrecopyInfo info;
    try {
      info = stream.precopyInfo();
    } catch (MigrationException e) {
      throw new KernelError(e.errno(), e.getMessage());
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
      return stream.readable() ? in : 0;
    }
    // no Linux driver gives a resuming file a poll op: the VFS default mask, whatever the mode
    return PollBits.DEFAULT_POLLMASK;
  }
}
