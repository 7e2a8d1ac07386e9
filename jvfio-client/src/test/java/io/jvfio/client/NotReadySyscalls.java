package io.jvfio.client;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.ForwardingSyscalls;
import io.jvfio.uapi.Syscalls;
import java.lang.foreign.MemorySegment;

/**
 * The emulated host's calls, except that once {@link #notReadyFor armed} a read answers EAGAIN and
 * poll answers nothing ready, a given number of times each (or forever): a real driver's saving fd
 * while the device prepares its data. Counts the polls, so a test sees that a ready fd costs none.
 */
final class NotReadySyscalls implements ForwardingSyscalls {
  @Override
  public Syscalls delegate() {
    return real;
  }

  static final int FOREVER = Integer.MAX_VALUE;

  private final Syscalls real;
  private int eagainLeft;
  private int silentPollsLeft;
  int polls;

  NotReadySyscalls(Syscalls real) {
    this.real = real;
  }

  /** The next {@code reads} reads answer EAGAIN, the next {@code polls} polls nothing ready. */
  void notReadyFor(int reads, int polls) {
    eagainLeft = reads;
    silentPollsLeft = polls;
  }

  @Override
  public long read(int fd, MemorySegment buf) {
    if (eagainLeft > 0) {
      if (eagainLeft != FOREVER) {
        eagainLeft--;
      }
      return Errno.EAGAIN.negative();
    }
    return real.read(fd, buf);
  }

  @Override
  public int poll(int fd, int events) {
    polls++;
    if (silentPollsLeft > 0) {
      if (silentPollsLeft != FOREVER) {
        silentPollsLeft--;
      }
      return 0;
    }
    return real.poll(fd, events);
  }
}
