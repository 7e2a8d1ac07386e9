package io.jvfio.uapi;

import java.lang.foreign.MemorySegment;

/**
 * {@link Syscalls} that pass every call to {@link #delegate()}: the base of a fault injector, which
 * overrides only the calls it changes (a driver that lies in one ioctl, a data fd that is never
 * ready) and leaves the rest to the real host or kernel.
 */
public interface ForwardingSyscalls extends Syscalls {
  /** Where the calls this interface does not override go. */
  Syscalls delegate();

  @Override
  default int open(String path, int flags) {
    return delegate().open(path, flags);
  }

  @Override
  default int close(int fd) {
    return delegate().close(fd);
  }

  @Override
  default int dup(int fd) {
    return delegate().dup(fd);
  }

  @Override
  default long read(int fd, MemorySegment buf) {
    return delegate().read(fd, buf);
  }

  @Override
  default long write(int fd, MemorySegment buf) {
    return delegate().write(fd, buf);
  }

  @Override
  default int ioctl(int fd, long request, MemorySegment arg) {
    return delegate().ioctl(fd, request, arg);
  }

  @Override
  default int ioctl(int fd, long request, long arg) {
    return delegate().ioctl(fd, request, arg);
  }

  @Override
  default long lseek(int fd, long offset, int whence) {
    return delegate().lseek(fd, offset, whence);
  }

  @Override
  default long pread(int fd, MemorySegment buf, long offset) {
    return delegate().pread(fd, buf, offset);
  }

  @Override
  default long pwrite(int fd, MemorySegment buf, long offset) {
    return delegate().pwrite(fd, buf, offset);
  }

  @Override
  default int poll(int fd, int events) {
    return delegate().poll(fd, events);
  }

  @Override
  default int fcntl(int fd, int cmd, long arg) {
    return delegate().fcntl(fd, cmd, arg);
  }
}
