package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import java.lang.foreign.MemorySegment;

/**
 * An open file description: what an fd points to. Several fds (dup, fd passing) may share one;
 * {@link #release} runs when the last reference goes, as a Linux file's {@code ->release} does.
 * Other kernel objects may hold references too (a device bound to an iommufd keeps that file).
 *
 * <p>The defaults are the VFS answers for a file without the operation.
 */
public abstract class OpenFile {
  private int refs = 1;
  private boolean readable;
  private boolean writable;
  private boolean nonBlocking;

  protected OpenFile(boolean readable, boolean writable) {
    this.readable = readable;
    this.writable = writable;
  }

  /** What {@code ls -l /proc/PID/fd} would name this file. */
  public abstract String describe();

  /**
   * Applies open(2)'s access mode ({@code O_RDONLY}, {@code O_WRONLY}, {@code O_RDWR}); read or
   * write through a file opened without that access is {@code EBADF}. ioctl does not care.
   */
  public final OpenFile withAccessMode(int flags) {
    int mode = flags & OpenFlags.O_ACCMODE;
    readable &= mode == OpenFlags.O_RDONLY || mode == OpenFlags.O_RDWR;
    writable &= mode == OpenFlags.O_WRONLY || mode == OpenFlags.O_RDWR;
    return this;
  }

  /** The access mode for F_GETFL: O_RDONLY, O_WRONLY or O_RDWR. */
  public final int accessMode() {
    if (readable && writable) {
      return OpenFlags.O_RDWR;
    }
    return writable ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY;
  }

  /**
   * F_SETFL's one changeable flag here, O_NONBLOCK: kept so that F_GETFL reports it; no emulated
   * read or write ever waits, so nothing else depends on it.
   */
  public final void setNonBlocking(boolean on) {
    nonBlocking = on;
  }

  /** O_NONBLOCK as F_SETFL last set it. */
  public final boolean nonBlocking() {
    return nonBlocking;
  }

  public final boolean readable() {
    return readable;
  }

  public final boolean writable() {
    return writable;
  }

  /** Takes a reference (fget, get_file). */
  public final OpenFile get() {
    if (refs <= 0) {
      throw new IllegalStateException("file already released: " + describe());
    }
    refs++;
    return this;
  }

  /** Drops a reference (fput); the last one releases the file. */
  public final void put() {
    if (refs <= 0) {
      throw new IllegalStateException("file released twice: " + describe());
    }
    if (--refs == 0) {
      release();
    }
  }

  public final boolean released() {
    return refs == 0;
  }

  /** Number of references (fds and kernel holders). */
  public final int refs() {
    return refs;
  }

  protected void release() {}

  public long read(MemorySegment buf) {
    throw new KernelError(Errno.EINVAL, describe() + " has no read");
  }

  public long write(MemorySegment buf) {
    throw new KernelError(Errno.EINVAL, describe() + " has no write");
  }

  public int ioctl(long request, UserArg arg) {
    throw new KernelError(Errno.ENOTTY);
  }

  /** lseek(2): a file without a seek operation (or a stream) is not seekable. */
  public long lseek(long offset, int whence) {
    throw new KernelError(Errno.ESPIPE);
  }

  /** Whether pread and pwrite apply (FMODE_PREAD); streams and most device files say no. */
  public boolean positioned() {
    return false;
  }

  /** pread(2): only files with positions support it. */
  public long pread(MemorySegment buf, long offset) {
    throw new KernelError(Errno.ESPIPE);
  }

  public long pwrite(MemorySegment buf, long offset) {
    throw new KernelError(Errno.ESPIPE);
  }

  /** poll(2) readiness; a file without a poll operation is always ready both ways. */
  public int poll() {
    return io.jvfio.uapi.PollBits.DEFAULT_POLLMASK;
  }
}
