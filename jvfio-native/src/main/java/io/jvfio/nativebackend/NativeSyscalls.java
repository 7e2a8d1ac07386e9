package io.jvfio.nativebackend;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link Syscalls} on the real Linux kernel, through the FFM API: the process this JVM is. Every
 * call returns the value or {@code -errno}, as the emulator's {@code HostProcess} does.
 *
 * <p>Buffers and ioctl arguments: a native segment goes to the kernel as it is; a heap segment
 * (which has no stable address) is copied into a confined arena for the call and copied back
 * afterwards where the kernel writes (read, pread, ioctl). A segment the calling thread cannot
 * access (null, its arena closed, another thread's confined arena) is {@code EFAULT}, as in the
 * emulator. Pointers <em>inside</em> a struct (a DMA map's {@code user_va} or {@code vaddr}, {@code
 * allowed_iovas}, DMA-logging ranges and bitmap) are read by the kernel as they are: they must be
 * real addresses here, the {@link MemorySegment#address()} of native memory ({@link NativeMemory},
 * or a segment from {@link Arena#ofConfined()} and the like), kept alive for as long as the kernel
 * may use it.
 *
 * <p>EINTR: read, write, pread, pwrite, ioctl, open and poll are retried when a signal interrupts
 * them, as a C program without SA_RESTART would loop; close never is, because Linux has released
 * the fd even when close answers EINTR, and a retry could close a file another thread just opened.
 */
public final class NativeSyscalls implements Syscalls {
  private static final int EINTR = Errno.EINTR.number();
  private static final int EFAULT = Errno.EFAULT.negative();
  // files this creates (O_CREAT is outside the contract, but the kernel accepts it) are the
  // owner's only, never world-writable with whatever the caller's varargs slot held
  private static final int CREATE_MODE = 0600;

  /** Fails with a sentence off Linux, or on an architecture with other syscall numbers. */
  public NativeSyscalls() {
    Platform.requireSupported("the native syscall backend");
  }

  @Override
  public int open(String path, int flags) {
    if (path == null) {
      return EFAULT;
    }
    if (path.indexOf('\0') >= 0) {
      // the kernel would see the path cut at the NUL and could open another file
      throw new IllegalArgumentException("a path with a NUL character cannot reach the kernel");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cpath = arena.allocateFrom(path);
      int r;
      do {
        r = (int) Libc.OPEN.invokeExact(Libc.captured(), cpath, flags, CREATE_MODE);
      } while (r < 0 && Libc.errno() == EINTR);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  @Override
  public int close(int fd) {
    try {
      int r = (int) Libc.CLOSE.invokeExact(Libc.captured(), fd);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  @Override
  public int dup(int fd) {
    try {
      int r = (int) Libc.DUP.invokeExact(Libc.captured(), fd);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  @Override
  public long read(int fd, MemorySegment buf) {
    return pread(fd, buf, -1, false);
  }

  @Override
  public long pread(int fd, MemorySegment buf, long offset) {
    return pread(fd, buf, offset, true);
  }

  // read and pread in one: the kernel writes into buf, so a heap or read-only buf is staged
  private static long pread(int fd, MemorySegment buf, long offset, boolean positioned) {
    if (!Staging.accessible(buf)) {
      return EFAULT;
    }
    try {
      if (buf.isNative() && !buf.isReadOnly()) {
        return rawRead(fd, buf, offset, positioned);
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment tmp = arena.allocate(Math.max(1, buf.byteSize())).asSlice(0, buf.byteSize());
        long n = rawRead(fd, tmp, offset, positioned);
        if (n > 0) {
          if (buf.isReadOnly()) {
            // the kernel has consumed the bytes; it would fault writing them to a read-only page
            return EFAULT;
          }
          MemorySegment.copy(tmp, 0, buf, 0, n);
        }
        return n;
      }
    } catch (IllegalStateException e) {
      return Staging.faultOrRethrow(buf, e);
    }
  }

  private static long rawRead(int fd, MemorySegment buf, long offset, boolean positioned) {
    try {
      long n;
      do {
        n =
            positioned
                ? (long) Libc.PREAD.invokeExact(Libc.captured(), fd, buf, buf.byteSize(), offset)
                : (long) Libc.READ.invokeExact(Libc.captured(), fd, buf, buf.byteSize());
      } while (n < 0 && Libc.errno() == EINTR);
      return n < 0 ? -Libc.errno() : n;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  @Override
  public long write(int fd, MemorySegment buf) {
    return pwrite(fd, buf, -1, false);
  }

  @Override
  public long pwrite(int fd, MemorySegment buf, long offset) {
    return pwrite(fd, buf, offset, true);
  }

  // write and pwrite in one: the kernel only reads buf, so a read-only native buf goes as it is
  private static long pwrite(int fd, MemorySegment buf, long offset, boolean positioned) {
    if (!Staging.accessible(buf)) {
      return EFAULT;
    }
    try {
      if (buf.isNative()) {
        return rawWrite(fd, buf, offset, positioned);
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment tmp = arena.allocate(Math.max(1, buf.byteSize())).asSlice(0, buf.byteSize());
        MemorySegment.copy(buf, 0, tmp, 0, buf.byteSize());
        return rawWrite(fd, tmp, offset, positioned);
      }
    } catch (IllegalStateException e) {
      return Staging.faultOrRethrow(buf, e);
    }
  }

  private static long rawWrite(int fd, MemorySegment buf, long offset, boolean positioned) {
    try {
      long n;
      do {
        n =
            positioned
                ? (long) Libc.PWRITE.invokeExact(Libc.captured(), fd, buf, buf.byteSize(), offset)
                : (long) Libc.WRITE.invokeExact(Libc.captured(), fd, buf, buf.byteSize());
      } while (n < 0 && Libc.errno() == EINTR);
      return n < 0 ? -Libc.errno() : n;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  /**
   * The pointer form. A null {@code arg} is the NULL pointer (for ioctls that take none); a heap
   * segment is copied in and, after the call, back whole, since the kernel may have written any of
   * it; a read-only segment is copied in, and a call that wrote into it answers {@code EFAULT} (the
   * kernel's effect has happened: as a copy_to_user into a read-only page after the work).
   */
  @Override
  public int ioctl(int fd, long request, MemorySegment arg) {
    if (arg == null || arg.equals(MemorySegment.NULL)) {
      return rawIoctl(fd, request, MemorySegment.NULL);
    }
    if (!Staging.accessible(arg)) {
      return EFAULT;
    }
    try {
      if (arg.isNative() && !arg.isReadOnly()) {
        return rawIoctl(fd, request, arg);
      }
      try (Arena arena = Arena.ofConfined()) {
        long size = arg.byteSize();
        MemorySegment tmp = arena.allocate(Math.max(1, size), 8).asSlice(0, size);
        MemorySegment.copy(arg, 0, tmp, 0, size);
        int r = rawIoctl(fd, request, tmp);
        if (arg.isReadOnly()) {
          return arg.mismatch(tmp) < 0 ? r : EFAULT;
        }
        MemorySegment.copy(tmp, 0, arg, 0, size);
        return r;
      }
    } catch (IllegalStateException e) {
      return (int) Staging.faultOrRethrow(arg, e);
    }
  }

  private static int rawIoctl(int fd, long request, MemorySegment arg) {
    try {
      int r;
      do {
        r = (int) Libc.IOCTL_PTR.invokeExact(Libc.captured(), fd, request, arg);
      } while (r < 0 && Libc.errno() == EINTR);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  /** The integer form: {@code arg} is the raw word (an integer, or a real user address). */
  @Override
  public int ioctl(int fd, long request, long arg) {
    try {
      int r;
      do {
        r = (int) Libc.IOCTL_WORD.invokeExact(Libc.captured(), fd, request, arg);
      } while (r < 0 && Libc.errno() == EINTR);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  @Override
  public long lseek(int fd, long offset, int whence) {
    try {
      long r = (long) Libc.LSEEK.invokeExact(Libc.captured(), fd, offset, whence);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  /**
   * One fd, no waiting. A negative fd answers POLLNVAL, as a closed one does: the kernel would
   * silently skip such an entry (revents 0, "not ready"), which this one-fd call cannot express
   * without hiding that the fd is no file at all.
   */
  @Override
  public int poll(int fd, int events) {
    if (fd < 0) {
      return PollBits.POLLNVAL;
    }
    try (Arena arena = Arena.ofConfined()) {
      // struct pollfd { int fd; short events; short revents; }
      MemorySegment pfd = arena.allocate(8, 4);
      pfd.set(ValueLayout.JAVA_INT, 0, fd);
      pfd.set(ValueLayout.JAVA_SHORT, 4, (short) events);
      int r;
      do {
        r = (int) Libc.POLL.invokeExact(Libc.captured(), pfd, 1L, 0);
      } while (r < 0 && Libc.errno() == EINTR);
      if (r < 0) {
        return -Libc.errno();
      }
      return r == 0 ? 0 : Short.toUnsignedInt(pfd.get(ValueLayout.JAVA_SHORT, 6));
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }

  /**
   * F_GETFD, F_SETFD, F_GETFL and F_SETFL, the commands the boundary has; any other is EINVAL, as
   * the emulator answers, since some (F_GETLK, F_SETOWN_EX) take a pointer this word could not
   * carry safely. F_GETFL is the kernel's whole answer: on 64-bit Linux it includes O_LARGEFILE
   * (0x8000), which the emulator does not model; compare the access mode ({@code & O_ACCMODE}).
   */
  @Override
  public int fcntl(int fd, int cmd, long arg) {
    if (cmd != PollBits.F_GETFD
        && cmd != PollBits.F_SETFD
        && cmd != PollBits.F_GETFL
        && cmd != PollBits.F_SETFL) {
      return Errno.EINVAL.negative();
    }
    try {
      int r = (int) Libc.FCNTL.invokeExact(Libc.captured(), fd, cmd, arg);
      return r < 0 ? -Libc.errno() : r;
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
  }
}
