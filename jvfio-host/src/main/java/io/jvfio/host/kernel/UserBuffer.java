package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;

/**
 * A caller's buffer as {@code access_ok} and a faulting copy see it: memory the calling thread
 * cannot touch (no buffer, a closed arena, another thread's confined arena) is {@code EFAULT}, as
 * an unmapped user address is. Whether the bytes are writable is left to the copy that writes them:
 * a read that copies nothing does not fault, in Linux either.
 */
public final class UserBuffer {
  private UserBuffer() {}

  /** True when the calling thread can access {@code s} now. */
  public static boolean accessible(MemorySegment s) {
    return s != null && s.scope().isAlive() && s.isAccessibleBy(Thread.currentThread());
  }

  /** {@code EFAULT} unless {@code buf} is accessible to the calling thread. */
  public static void check(MemorySegment buf) {
    if (!accessible(buf)) {
      throw new KernelError(Errno.EFAULT, "buffer not accessible");
    }
  }

  /**
   * An {@link IllegalStateException} met while a syscall used {@code user}: {@code -EFAULT} when
   * the segment's arena was closed meanwhile (what the FFM API throws then), else a bug, rethrown.
   */
  public static long faultOrRethrow(MemorySegment user, IllegalStateException e) {
    if (user != null && !user.scope().isAlive()) {
      return Errno.EFAULT.negative();
    }
    throw e;
  }
}
