package io.jvfio.conformance;

import io.jvfio.uapi.ForwardingSyscalls;
import io.jvfio.uapi.Syscalls;
import java.lang.foreign.MemorySegment;
import java.util.function.LongPredicate;

/**
 * A test-only {@link Syscalls} that forwards everything but answers {@code lie} (0 or a {@code
 * -errno}) to the ioctls whose request {@code matches} and whose first argument word satisfies
 * {@code when}: a device that gets one rule wrong, to show the kit notices.
 */
record LyingSyscalls(Syscalls real, long request, LongPredicate when, int lie)
    implements ForwardingSyscalls {
  @Override
  public Syscalls delegate() {
    return real;
  }

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
}
