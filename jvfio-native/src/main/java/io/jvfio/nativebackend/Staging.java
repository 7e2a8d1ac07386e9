package io.jvfio.nativebackend;

import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;

/** Which caller segments may reach the kernel, and what a closed one means (EFAULT). */
final class Staging {
  private Staging() {}

  /** True when the calling thread can access {@code s} now: else the call is EFAULT. */
  static boolean accessible(MemorySegment s) {
    return s != null && s.scope().isAlive() && s.isAccessibleBy(Thread.currentThread());
  }

  /**
   * An {@link IllegalStateException} met while a call used {@code user}: {@code -EFAULT} when its
   * arena was closed meanwhile (as a munmap racing the syscall), else a bug, rethrown.
   */
  static long faultOrRethrow(MemorySegment user, IllegalStateException e) {
    if (user != null && !user.scope().isAlive()) {
      return Errno.EFAULT.negative();
    }
    throw e;
  }
}
