package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;

/**
 * Thrown inside the emulated kernel where Linux code would {@code return -errno}; the syscall entry
 * catches it and returns {@code -errno}. It carries no stack trace: it is control flow, not a bug.
 */
public final class KernelError extends RuntimeException {
  private final Errno errno;

  public KernelError(Errno errno) {
    this(errno, errno.description());
  }

  public KernelError(Errno errno, String why) {
    super(errno.name() + ": " + why, null, false, false);
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }

  /** Throws {@code errno} unless {@code ok}. */
  public static void check(boolean ok, Errno errno) {
    if (!ok) {
      throw new KernelError(errno);
    }
  }
}
