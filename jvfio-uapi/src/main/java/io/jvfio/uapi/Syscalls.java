package io.jvfio.uapi;

import java.lang.foreign.MemorySegment;

/**
 * The one boundary between a VMM and VFIO: file descriptors and five calls on them. Every call
 * returns a value {@code >= 0} or {@code -errno}, exactly as the Linux syscall would.
 *
 * <p>A pointer argument is a {@link MemorySegment} holding the struct in its Linux byte layout; the
 * segment's bounds are the caller's mapped memory, so a read past its end is {@code EFAULT}. The
 * {@code long} variant of ioctl passes the raw argument word: an integer for ioctls that take one
 * (VFIO_SET_IOMMU, VFIO_CHECK_EXTENSION), otherwise a user address.
 */
public interface Syscalls {
  int open(String path, int flags);

  int close(int fd);

  /** Duplicates {@code fd} onto the lowest free number; both share one open file. */
  int dup(int fd);

  /** Reads up to {@code buf.byteSize()} bytes; 0 means end of stream. */
  long read(int fd, MemorySegment buf);

  long write(int fd, MemorySegment buf);

  int ioctl(int fd, long request, MemorySegment arg);

  int ioctl(int fd, long request, long arg);

  /** lseek(2); streams (migration data fds) answer ESPIPE. */
  long lseek(int fd, long offset, int whence);

  /** pread(2) at {@code offset}; streams answer ESPIPE. */
  long pread(int fd, MemorySegment buf, long offset);

  /** pwrite(2) at {@code offset}; streams answer ESPIPE. */
  long pwrite(int fd, MemorySegment buf, long offset);

  /**
   * poll(2) on one fd without waiting: the ready bits among {@code events}, plus POLLERR, POLLHUP
   * and POLLNVAL (a closed fd), as {@link PollBits} names them.
   */
  int poll(int fd, int events);

  /**
   * fcntl(2): F_GETFD, F_SETFD (FD_CLOEXEC), F_GETFL and F_SETFL (of the status flags, only
   * O_NONBLOCK changes, as on Linux for a migration data fd).
   */
  int fcntl(int fd, int cmd, long arg);
}
