package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An ioctl's argument as the kernel sees it, with the caller's context: a user pointer (bounded by
 * what the caller mapped) and the same value as a plain word. All access goes through copies, as
 * copy_from_user and copy_to_user do; reading or writing past the caller's memory is {@code
 * EFAULT}.
 */
public final class UserArg {
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment user;
  private final long word;
  private final UserMemory memory;
  private final FdTable fds;

  private UserArg(MemorySegment user, long word, UserMemory memory, FdTable fds) {
    this.user = user;
    this.word = word;
    this.memory = memory;
    this.fds = fds;
  }

  /** A pointer argument given as a segment; null means a NULL pointer. */
  public static UserArg ofSegment(MemorySegment user, UserMemory memory, FdTable fds) {
    MemorySegment u = user == null || user.equals(MemorySegment.NULL) ? null : user;
    return new UserArg(u, u == null ? 0 : u.address(), memory, fds);
  }

  /** A raw argument word: an integer, or an address in the process's memory. */
  public static UserArg ofWord(long word, UserMemory memory, FdTable fds) {
    return new UserArg(memory.tail(word), word, memory, fds);
  }

  /** The argument as an integer (VFIO_SET_IOMMU, VFIO_CHECK_EXTENSION). */
  public long word() {
    return word;
  }

  /** The caller's address space, for pointers carried inside structs. */
  public UserMemory memory() {
    return memory;
  }

  /** The calling process's fd table (for fds passed inside an argument). */
  public FdTable fds() {
    return fds;
  }

  /** copy_from_user of {@code n} bytes at {@code offset} into a fresh kernel buffer. */
  public MemorySegment copyIn(long offset, long n) {
    MemorySegment u = userRange(offset, n);
    // what a kernel buffer can hold (kvmalloc fails long before a Java array would)
    KernelError.check(n <= Integer.MAX_VALUE - 8, Errno.ENOMEM);
    MemorySegment k = MemorySegment.ofArray(new byte[(int) n]);
    MemorySegment.copy(u, 0, k, 0, n);
    return k;
  }

  /** copy_from_user of the first {@code n} bytes. */
  public MemorySegment copyIn(long n) {
    return copyIn(0, n);
  }

  /** get_user of a u32 at {@code offset}. */
  public int readU32(long offset) {
    return userRange(offset, 4).get(U32, 0);
  }

  /** copy_to_user of {@code n} bytes of {@code k} (from {@code kOffset}) to {@code offset}. */
  public void copyOut(long offset, MemorySegment k, long kOffset, long n) {
    MemorySegment.copy(k, kOffset, writableRange(offset, n), 0, n);
  }

  /** copy_to_user of the first {@code n} bytes of {@code k} to the start of the argument. */
  public void copyOut(MemorySegment k, long n) {
    copyOut(0, k, 0, n);
  }

  /**
   * The caller's bytes {@code [offset, offset + n)} themselves, for a driver that reads and writes
   * its payload in place; EFAULT when they are not all there.
   */
  public MemorySegment slice(long offset, long n) {
    return userRange(offset, n);
  }

  /** put_user of a u32. */
  public void writeU32(long offset, int value) {
    writableRange(offset, 4).set(U32, 0, value);
  }

  /**
   * copy_struct_from_user: reads {@code usize} bytes into a {@code ksize}-byte kernel struct. A
   * shorter user struct is zero-extended; a longer one must have only zero bytes beyond {@code
   * ksize}, else {@code E2BIG}.
   */
  public MemorySegment copyStructIn(long ksize, long usize) {
    MemorySegment k = MemorySegment.ofArray(new byte[(int) ksize]);
    long n = Math.min(ksize, usize);
    MemorySegment.copy(userRange(0, n), 0, k, 0, n);
    if (usize > ksize) {
      MemorySegment rest = userRange(ksize, usize - ksize);
      for (long i = 0; i < rest.byteSize(); i++) {
        if (rest.get(ValueLayout.JAVA_BYTE, i) != 0) {
          throw new KernelError(Errno.E2BIG, "non-zero bytes beyond the known struct");
        }
      }
    }
    return k;
  }

  /**
   * strndup_user: a NUL-terminated string of at most {@code max} bytes including the NUL. Unmapped
   * memory before the NUL is {@code EFAULT}; no NUL within {@code max} bytes is {@code EINVAL}.
   */
  public String readString(int max) {
    if (!UserBuffer.accessible(user)) {
      throw new KernelError(Errno.EFAULT);
    }
    long limit = Math.min(max, user.byteSize());
    for (long i = 0; i < limit; i++) {
      if (user.get(ValueLayout.JAVA_BYTE, i) == 0) {
        byte[] b = user.asSlice(0, i).toArray(ValueLayout.JAVA_BYTE);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    throw new KernelError(limit < max ? Errno.EFAULT : Errno.EINVAL);
  }

  // read-only memory is a fault for copy_to_user, as a read-only page is
  private MemorySegment writableRange(long offset, long n) {
    MemorySegment r = userRange(offset, n);
    if (r.isReadOnly()) {
      throw new KernelError(Errno.EFAULT, "argument memory is read-only");
    }
    return r;
  }

  private MemorySegment userRange(long offset, long n) {
    if (!UserBuffer.accessible(user) || offset < 0 || n < 0 || offset > user.byteSize() - n) {
      throw new KernelError(Errno.EFAULT, "argument memory too short or unmapped");
    }
    return user.asSlice(offset, n);
  }
}
