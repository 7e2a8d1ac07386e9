package io.jvfio.uapi;

/** poll(2) event bits, fcntl(2) commands and lseek(2) origins (x86-64 values). */
public final class PollBits {
  public static final int POLLIN = 0x0001;
  public static final int POLLPRI = 0x0002;
  public static final int POLLOUT = 0x0004;
  public static final int POLLERR = 0x0008;
  public static final int POLLHUP = 0x0010;
  public static final int POLLNVAL = 0x0020;
  public static final int POLLRDNORM = 0x0040;
  public static final int POLLWRNORM = 0x0100;
  public static final int POLLRDHUP = 0x2000;

  /** What the VFS reports for a file without a poll operation. */
  public static final int DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

  /**
   * Whether a read returns without waiting, given what poll(2) answered for POLLIN: data, or an
   * error or hang-up the read then reports.
   */
  public static boolean readWontWait(int revents) {
    return (revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)) != 0;
  }

  public static final int F_GETFD = 1;
  public static final int F_SETFD = 2;
  public static final int F_GETFL = 3;
  public static final int F_SETFL = 4;
  public static final int FD_CLOEXEC = 1;

  public static final int SEEK_SET = 0;
  public static final int SEEK_CUR = 1;
  public static final int SEEK_END = 2;

  private PollBits() {}
}
