package io.jvfio.host;

import io.jvfio.host.kernel.FdTable;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.NullFile;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.host.kernel.UserBuffer;
import io.jvfio.host.kernel.UserMemory;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.Syscalls;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Supplier;

/**
 * A process on an emulated host: its own fd table and address space, and the syscalls. Every call
 * returns a value {@code >= 0} or {@code -errno}; a bug in the emulator is never turned into an
 * errno, it propagates.
 */
public final class HostProcess implements Syscalls, AutoCloseable {
  private final Host host;
  private final String name;
  private final int pid;
  // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE
  private static final int SEEK_MAX = 4;

  private final FdTable fds = new FdTable();
  private final UserMemory memory = new UserMemory();
  private boolean exited;

  HostProcess(Host host, String name, int pid) {
    this.host = host;
    this.name = name;
    this.pid = pid;
    for (int i = 0; i < 3; i++) {
      fds.install(new NullFile());
    }
  }

  public String name() {
    return name;
  }

  public int pid() {
    return pid;
  }

  /** The process's address space: map memory here to hand its addresses to the kernel. */
  public UserMemory memory() {
    return memory;
  }

  /** The open fd numbers, ascending. */
  public List<Integer> openFds() {
    return locked(fds::openFds);
  }

  /** What {@code fd} refers to ("/dev/iommu", "/dev/vfio/3", ...), or null when closed. */
  public String describe(int fd) {
    return locked(() -> fds.isOpen(fd) ? fds.lookup(fd).describe() : null);
  }

  /** The open file behind {@code fd} (for tests and listings), or null. */
  public OpenFile file(int fd) {
    return locked(() -> fds.isOpen(fd) ? fds.lookup(fd) : null);
  }

  private <T> T locked(Supplier<T> body) {
    host.lock.lock();
    try {
      return body.get();
    } finally {
      host.lock.unlock();
    }
  }

  /** A syscall's body: its result, or a {@link KernelError}. */
  @FunctionalInterface
  private interface Body {
    long run();
  }

  // a primitive result: no Long is boxed per syscall. An exited process needs no check here: its
  // fd table is empty, so every fd-taking call finds EBADF (POLLNVAL for poll), as after exit_files
  private long call(Body body) {
    host.lock.lock();
    try {
      return body.run();
    } catch (KernelError e) {
      return e.errno().negative();
    } finally {
      host.lock.unlock();
    }
  }

  // a call that touches a caller's segment: the segment's arena closed by another thread during
  // the call is the same fault as a munmap racing the syscall
  private long call(MemorySegment user, Body body) {
    host.lock.lock();
    try {
      return body.run();
    } catch (KernelError e) {
      return e.errno().negative();
    } catch (IllegalStateException e) {
      return UserBuffer.faultOrRethrow(user, e);
    } finally {
      host.lock.unlock();
    }
  }

  @Override
  public int open(String path, int flags) {
    return (int)
        call(() -> {
          // no fd table to install into: the process is gone
          KernelError.check(!exited, Errno.ESRCH);
          KernelError.check(path != null, Errno.EFAULT);
          fds.reserve(); // the fd is allocated before the file is opened
          OpenFile f = host.openNode(path).withAccessMode(flags);
          return (long) fds.install(f, (flags & OpenFlags.O_CLOEXEC) != 0);
        });
  }

  @Override
  public int close(int fd) {
    return (int)
        call(() -> {
          fds.close(fd);
          return 0L;
        });
  }

  @Override
  public int dup(int fd) {
    return (int) call(() -> (long) fds.install(fds.lookup(fd).get()));
  }

  // read and write are the data path (migration streams): written out rather than through call(),
  // so nothing is allocated per call; the checks are call()'s, in the same order
  @Override
  public long read(int fd, MemorySegment buf) {
    host.lock.lock();
    try {
      OpenFile f = fds.lookup(fd);
      if (!f.readable()) {
        throw new KernelError(Errno.EBADF);
      }
      UserBuffer.check(buf);
      return f.read(buf);
    } catch (KernelError e) {
      return e.errno().negative();
    } catch (IllegalStateException e) {
      return UserBuffer.faultOrRethrow(buf, e);
    } finally {
      host.lock.unlock();
    }
  }

  @Override
  public long write(int fd, MemorySegment buf) {
    host.lock.lock();
    try {
      OpenFile f = fds.lookup(fd);
      if (!f.writable()) {
        throw new KernelError(Errno.EBADF);
      }
      UserBuffer.check(buf);
      return f.write(buf);
    } catch (KernelError e) {
      return e.errno().negative();
    } catch (IllegalStateException e) {
      return UserBuffer.faultOrRethrow(buf, e);
    } finally {
      host.lock.unlock();
    }
  }

  // Linux's ioctl takes an unsigned int cmd: bits above 32 never reach a driver
  private static long cmd(long request) {
    return request & 0xffff_ffffL;
  }

  @Override
  public int ioctl(int fd, long request, MemorySegment arg) {
    return (int)
        call(
            arg,
            () -> (long) fds.lookup(fd).ioctl(cmd(request), UserArg.ofSegment(arg, memory, fds)));
  }

  @Override
  public int ioctl(int fd, long request, long arg) {
    return (int)
        call(() -> (long) fds.lookup(fd).ioctl(cmd(request), UserArg.ofWord(arg, memory, fds)));
  }

  @Override
  public long lseek(int fd, long offset, int whence) {
    return call(() -> {
      OpenFile f = fds.lookup(fd);
      KernelError.check(whence >= 0 && whence <= SEEK_MAX, Errno.EINVAL);
      return f.lseek(offset, whence);
    });
  }

  @Override
  public long pread(int fd, MemorySegment buf, long offset) {
    return call(
        buf,
        () -> {
          KernelError.check(offset >= 0, Errno.EINVAL);
          OpenFile f = fds.lookup(fd);
          KernelError.check(f.positioned(), Errno.ESPIPE);
          KernelError.check(f.readable(), Errno.EBADF);
          UserBuffer.check(buf);
          return f.pread(buf, offset);
        });
  }

  @Override
  public long pwrite(int fd, MemorySegment buf, long offset) {
    return call(
        buf,
        () -> {
          KernelError.check(offset >= 0, Errno.EINVAL);
          OpenFile f = fds.lookup(fd);
          KernelError.check(f.positioned(), Errno.ESPIPE);
          KernelError.check(f.writable(), Errno.EBADF);
          UserBuffer.check(buf);
          return f.pwrite(buf, offset);
        });
  }

  @Override
  public int poll(int fd, int events) {
    return (int)
        call(() -> {
          if (!fds.isOpen(fd)) {
            return (long) PollBits.POLLNVAL;
          }
          int always = PollBits.POLLERR | PollBits.POLLHUP | PollBits.POLLNVAL;
          return (long) (fds.lookup(fd).poll() & (events | always));
        });
  }

  @Override
  public int fcntl(int fd, int cmd, long arg) {
    return (int)
        call(() -> {
          OpenFile f = fds.lookup(fd);
          return switch (cmd) {
            case PollBits.F_GETFD -> fds.closeOnExec(fd) ? (long) PollBits.FD_CLOEXEC : 0L;
            case PollBits.F_SETFD -> {
              fds.setCloseOnExec(fd, (arg & PollBits.FD_CLOEXEC) != 0);
              yield 0L;
            }
            case PollBits.F_GETFL ->
                (long) (f.accessMode() | (f.nonBlocking() ? OpenFlags.O_NONBLOCK : 0));
            case PollBits.F_SETFL -> {
              f.setNonBlocking((arg & OpenFlags.O_NONBLOCK) != 0);
              yield 0L;
            }
            default -> throw new KernelError(Errno.EINVAL, "fcntl command " + cmd);
          };
        });
  }

  /**
   * Sends {@code fd} to {@code target} as SCM_RIGHTS over a connected unix socket does: the target
   * gets a new fd (its lowest free number) for the same open file. Returns that fd or {@code
   * -errno}: {@code EBADF} for a bad fd, {@code EXDEV} when the target runs on another host (no
   * socket joins two kernels, and a file belongs to one), {@code EPIPE} when the target has exited
   * (its end of the socket was closed at exit, as sendmsg to a closed peer answers), {@code EMFILE}
   * when its table is full. On error nothing is installed and the sender's fd is unchanged.
   */
  public int passFd(int fd, HostProcess target) {
    return (int)
        call(() -> {
          OpenFile f = fds.lookup(fd);
          KernelError.check(target != null, Errno.ESRCH);
          KernelError.check(target.host == host, Errno.EXDEV);
          // checked under the host lock that exit() holds while emptying the table: a target seen
          // alive here cannot finish exiting before the file is installed
          KernelError.check(!target.exited, Errno.EPIPE);
          return (long) target.fds.install(f.get());
        });
  }

  /** Process exit: every fd is closed, highest first, and the address space goes. */
  @Override
  public void close() {
    host.lock.lock();
    try {
      if (!exited) {
        fds.closeAll();
        exited = true;
        memory.close();
        host.exited(this);
      }
    } finally {
      host.lock.unlock();
    }
  }

  @Override
  public String toString() {
    return name + "[" + pid + "]";
  }
}
