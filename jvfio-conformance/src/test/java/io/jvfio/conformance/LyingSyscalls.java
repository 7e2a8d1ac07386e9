package io.jvfio.conformance;

import io.jvfio.uapi.Syscalls;
import java.lang.foreign.MemorySegment;
import java.util.function.LongPredicate;

/**
 * A test-only {@link Syscalls} that forwards everything but answers {@code lie} (0 or a {@code
 * -errno}) to the ioctls whose request {@code matches} and whose first argument word satisfies
 * {@code when}: a device that gets one rule wrong, to show the kit notices.
 */
record LyingSyscalls(Syscalls real, long request, LongPredicate when, int lie) implements Syscalls {
  @Override
  public int ioctl(int fd, long req, MemorySegment arg) {
    if (req == request && arg.byteSize() >= 8) {
      long header = arg.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0);
      if (when.test(header)) {
        return lie;
      }
    }
    return real.ioctl(fd, req, arg);
  }

  @Override
  public int ioctl(int fd, long req, long arg) {
    return real.ioctl(fd, req, arg);
  }

  @Override
  public int open(String path, int flags) {
    return real.open(path, flags);
  }

  @Override
  public int close(int fd) {
    return real.close(fd);
  }

  @Override
  public int dup(int fd) {
    return real.dup(fd);
  }

  @Override
  public long read(int fd, MemorySegment buf) {
    return real.read(fd, buf);
  }

  @Override
  public long write(int fd, MemorySegment buf) {
    return real.write(fd, buf);
  }

  @Override
  public long lseek(int fd, long offset, int whence) {
    return real.lseek(fd, offset, whence);
  }

  @Override
  public long pread(int fd, MemorySegment buf, long offset) {
    return real.pread(fd, buf, offset);
  }

  @Override
  public long pwrite(int fd, MemorySegment buf, long offset) {
    return real.pwrite(fd, buf, offset);
  }

  @Override
  public int poll(int fd, int events) {
    return real.poll(fd, events);
  }

  @Override
  public int fcntl(int fd, int cmd, long arg) {
    return real.fcntl(fd, cmd, arg);
  }
}
