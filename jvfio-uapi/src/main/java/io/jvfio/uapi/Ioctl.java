package io.jvfio.uapi;

/**
 * The generic Linux ioctl encoding. VFIO and iommufd use only {@code _IO(type, nr)}: direction and
 * size are zero on purpose, because the struct size travels in {@code argsz} or {@code size}.
 */
public final class Ioctl {
  private static final int NRBITS = 8;
  private static final int TYPEBITS = 8;
  private static final int SIZEBITS = 14;
  private static final int NRSHIFT = 0;
  private static final int TYPESHIFT = NRSHIFT + NRBITS;
  private static final int SIZESHIFT = TYPESHIFT + TYPEBITS;
  private static final int DIRSHIFT = SIZESHIFT + SIZEBITS;

  private Ioctl() {}

  /** {@code _IO(type, nr)}. */
  public static long io(int type, int nr) {
    return ((long) type << TYPESHIFT) | ((long) nr << NRSHIFT);
  }

  /** The type (magic) byte of a request number. */
  public static int type(long request) {
    return (int) ((request >>> TYPESHIFT) & 0xff);
  }

  /** The command number byte of a request number. */
  public static int nr(long request) {
    return (int) ((request >>> NRSHIFT) & 0xff);
  }

  /** The direction bits (0 for every VFIO and iommufd request). */
  public static int dir(long request) {
    return (int) ((request >>> DIRSHIFT) & 0x3);
  }

  /** The size field (0 for every VFIO and iommufd request). */
  public static int size(long request) {
    return (int) ((request >>> SIZESHIFT) & ((1 << SIZEBITS) - 1));
  }
}
