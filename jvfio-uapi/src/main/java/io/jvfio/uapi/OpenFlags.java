package io.jvfio.uapi;

/** open(2) flag bits (x86-64 values). */
public final class OpenFlags {
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_ACCMODE = 3;
  public static final int O_NONBLOCK = 0x800;
  public static final int O_CLOEXEC = 0x80000;

  private OpenFlags() {}
}
