package io.jvfio.uapi;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Linux errno values (x86-64 and every other architecture that uses the generic numbers). */
public enum Errno {
  EPERM(1, "Operation not permitted"),
  ENOENT(2, "No such file or directory"),
  ESRCH(3, "No such process"),
  EINTR(4, "Interrupted system call"),
  EIO(5, "Input/output error"),
  ENXIO(6, "No such device or address"),
  E2BIG(7, "Argument list too long"),
  ENOEXEC(8, "Exec format error"),
  EBADF(9, "Bad file descriptor"),
  ECHILD(10, "No child processes"),
  EAGAIN(11, "Resource temporarily unavailable"),
  ENOMEM(12, "Cannot allocate memory"),
  EACCES(13, "Permission denied"),
  EFAULT(14, "Bad address"),
  ENOTBLK(15, "Block device required"),
  EBUSY(16, "Device or resource busy"),
  EEXIST(17, "File exists"),
  EXDEV(18, "Invalid cross-device link"),
  ENODEV(19, "No such device"),
  ENOTDIR(20, "Not a directory"),
  EISDIR(21, "Is a directory"),
  EINVAL(22, "Invalid argument"),
  ENFILE(23, "Too many open files in system"),
  EMFILE(24, "Too many open files"),
  ENOTTY(25, "Inappropriate ioctl for device"),
  ETXTBSY(26, "Text file busy"),
  EFBIG(27, "File too large"),
  ENOSPC(28, "No space left on device"),
  ESPIPE(29, "Illegal seek"),
  EROFS(30, "Read-only file system"),
  EMLINK(31, "Too many links"),
  EPIPE(32, "Broken pipe"),
  EDOM(33, "Numerical argument out of domain"),
  ERANGE(34, "Numerical result out of range"),
  EDEADLK(35, "Resource deadlock avoided"),
  ENAMETOOLONG(36, "File name too long"),
  ENOLCK(37, "No locks available"),
  ENOSYS(38, "Function not implemented"),
  ENOTEMPTY(39, "Directory not empty"),
  ELOOP(40, "Too many levels of symbolic links"),
  ENOMSG(42, "No message of desired type"),
  EIDRM(43, "Identifier removed"),
  ENODATA(61, "No data available"),
  EOVERFLOW(75, "Value too large for defined data type"),
  EBADFD(77, "File descriptor in bad state"),
  EMSGSIZE(90, "Message too long"),
  EOPNOTSUPP(95, "Operation not supported"),
  EADDRINUSE(98, "Address already in use"),
  ECONNRESET(104, "Connection reset by peer"),
  ETIMEDOUT(110, "Connection timed out"),
  ECONNREFUSED(111, "Connection refused"),
  EALREADY(114, "Operation already in progress"),
  EINPROGRESS(115, "Operation now in progress"),
  ECANCELED(125, "Operation canceled");

  private static final Map<Integer, Errno> BY_NUMBER = new HashMap<>();

  static {
    for (Errno e : values()) {
      BY_NUMBER.put(e.number, e);
    }
  }

  private final int number;
  private final String description;

  Errno(int number, String description) {
    this.number = number;
    this.description = description;
  }

  /** The positive errno number, as in {@code errno.h}. */
  public int number() {
    return number;
  }

  /** The value a syscall returns for this error: {@code -number}. */
  public int negative() {
    return -number;
  }

  /** strerror(3) text. */
  public String description() {
    return description;
  }

  /** Looks up a positive or negative errno number. */
  public static Optional<Errno> of(long number) {
    long n = Math.abs(number);
    return n > Integer.MAX_VALUE ? Optional.empty() : Optional.ofNullable(BY_NUMBER.get((int) n));
  }

  /** "EINVAL (Invalid argument)", or "errno 999" for a number this enum does not name. */
  public static String describe(long number) {
    return of(number)
        .map(e -> e.name() + " (" + e.description + ")")
        .orElse("errno " + Math.abs(number));
  }
}
