package io.jvfio.fuzz;

import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/** Every ioctl request number the uAPI classes name: what the fuzzer mostly picks from. */
final class Requests {
  static final long[] REAL = collect(VfioIoctls.class, IommufdIoctls.class);

  private Requests() {}

  private static long[] collect(Class<?>... classes) {
    return Arrays.stream(classes)
        .flatMap(c -> Arrays.stream(c.getFields()))
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == long.class)
        .mapToLong(Requests::value)
        .distinct()
        .sorted()
        .toArray();
  }

  private static long value(Field f) {
    try {
      return f.getLong(null);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A request: mostly a real one, sometimes one with bits above 32 set (Linux's ioctl takes an
   * unsigned int and drops them), a random 32- or 64-bit value, or a real one with one bit flipped.
   */
  static long pick(Cursor c, boolean only32) {
    long real = REAL[c.pick(REAL.length)];
    long r =
        switch (c.pick(16)) {
          case 12 -> real | (long) c.u32() << 32;
          case 13 -> c.u32() & 0xffffffffL;
          case 14 -> c.u64();
          case 15 -> real ^ (1L << c.pick(32));
          default -> real;
        };
    return only32 ? r & 0xffffffffL : r;
  }
}
