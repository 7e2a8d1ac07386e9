package io.jvfio.host.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.HostProcess;
import io.jvfio.uapi.OpenFlags;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Caller memory and plain arguments for the syscall tests. Argument buffers are the caller's own
 * (not in the process's address space), as a VMM's stack variables are; a helper named {@code
 * xxxOk} asserts success, one without the suffix answers the raw value.
 */
public final class Kit {
  public static final int RDWR = OpenFlags.O_RDWR;
  public static final ValueLayout.OfInt S32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Kit() {}

  /** A zeroed caller buffer of {@code n} bytes on the heap. */
  public static MemorySegment buf(long n) {
    return MemorySegment.ofArray(new byte[(int) n]);
  }

  /** A buffer of {@code n} bytes, every byte {@code fill}. */
  public static MemorySegment filled(long n, int fill) {
    MemorySegment s = buf(n);
    s.fill((byte) fill);
    return s;
  }

  /**
   * A zeroed native buffer: it has a real JVM address, which the emulated process never mapped
   * (what "memory the process does not own" needs).
   */
  public static MemorySegment alloc(long size) {
    return Arena.ofAuto().allocate(size, 8);
  }

  public static byte[] bytes(MemorySegment s) {
    return s.toArray(ValueLayout.JAVA_BYTE);
  }

  /** The little-endian u32 at {@code offset}. */
  public static int u32(MemorySegment s, long offset) {
    return s.get(S32, offset);
  }

  public static void putU32(MemorySegment s, long offset, int v) {
    s.set(S32, offset, v);
  }

  /** A 4-byte argument holding {@code v} (an fd for VFIO_GROUP_SET_CONTAINER). */
  public static MemorySegment intArg(int v) {
    MemorySegment s = alloc(4);
    s.set(S32, 0, v);
    return s;
  }

  /** A NUL-terminated C string. */
  public static MemorySegment cstr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    MemorySegment seg = alloc(b.length + 1);
    MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
    return seg;
  }

  /** open(2) read-write, asserting success: the fd. */
  public static int openOk(HostProcess p, String path) {
    int fd = p.open(path, RDWR);
    assertThat(fd).as("open %s", path).isGreaterThanOrEqualTo(0);
    return fd;
  }
}
