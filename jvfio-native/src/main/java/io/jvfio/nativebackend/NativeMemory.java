package io.jvfio.nativebackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Anonymous memory from mmap(2): what a VMM maps into an IOAS ({@code IOMMU_IOAS_MAP}'s {@code
 * user_va}) or a type1 container ({@code VFIO_IOMMU_MAP_DMA}'s {@code vaddr}). Put the segment's
 * {@link MemorySegment#address()} into the struct; any other native segment's address (an {@link
 * Arena#ofConfined()} allocation for {@code allowed_iovas}, DMA-logging ranges or a dirty bitmap)
 * is as real. A heap segment has no address the kernel can use.
 *
 * <p>Each mapping's segment belongs to an arena of its own, closed by {@link #munmap} before the
 * pages go: a use of the segment after munmap throws {@link IllegalStateException} instead of
 * touching unmapped memory (a crash of the JVM), and a munmap while another thread's syscall still
 * uses the segment fails instead of pulling the pages from under it.
 */
public final class NativeMemory {
  public static final int PROT_NONE = 0;
  public static final int PROT_READ = 1;
  public static final int PROT_WRITE = 2;

  /** Whether writes are seen by other mappings of the same memory (a child after fork). */
  public enum Sharing {
    PRIVATE(0x02),
    SHARED(0x01);

    final int flag;

    Sharing(int flag) {
      this.flag = flag;
    }
  }

  private static final int MAP_ANONYMOUS = 0x20;
  private static final long MAP_FAILED = -1L;

  private record Mapping(Arena arena, long length) {}

  // every live mapping, by its address
  private static final Map<Long, Mapping> MAPPINGS = new ConcurrentHashMap<>();

  private NativeMemory() {}

  /**
   * Maps {@code length} bytes of zeroed anonymous memory with {@code prot} ({@link #PROT_READ} |
   * {@link #PROT_WRITE}, or {@link #PROT_NONE}); the segment is shared across threads.
   *
   * @throws NativeCallException with the kernel's errno (EINVAL for a length of 0, ENOMEM)
   */
  public static MemorySegment mmap(long length, int prot, Sharing sharing) {
    Platform.requireSupported("NativeMemory.mmap");
    MemorySegment raw;
    int errno;
    try {
      raw =
          (MemorySegment)
              Libc.MMAP.invokeExact(
                  Libc.captured(),
                  MemorySegment.NULL,
                  length,
                  prot,
                  sharing.flag | MAP_ANONYMOUS,
                  -1,
                  0L);
      errno = Libc.errno();
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
    if (raw.address() == MAP_FAILED) {
      throw new NativeCallException(
          "mmap", errno, "could not map " + length + " bytes of anonymous memory");
    }
    Arena arena = Arena.ofShared();
    MAPPINGS.put(raw.address(), new Mapping(arena, length));
    return raw.reinterpret(length, arena, null);
  }

  /**
   * Unmaps a whole mapping {@link #mmap} returned: its segment (and every slice of it) is unusable
   * afterwards.
   *
   * @throws IllegalArgumentException for a segment that is not a live mapping from {@link #mmap}
   * @throws IllegalStateException while a call on another thread still uses the segment
   * @throws NativeCallException when the kernel refuses
   */
  public static void munmap(MemorySegment mapping) {
    Mapping m = MAPPINGS.get(mapping.address());
    if (m == null
        || !mapping.scope().equals(m.arena().scope())
        || mapping.byteSize() != m.length()) {
      throw new IllegalArgumentException(
          "munmap takes a whole mapping from NativeMemory.mmap that is still mapped; "
              + Long.toHexString(mapping.address())
              + " is not one");
    }
    long address = mapping.address();
    long length = m.length();
    // close first: it fails while a downcall holds the segment, and after it no Java code can
    // touch the pages, so unmapping them cannot turn a later access into a crash
    m.arena().close();
    MAPPINGS.remove(address);
    int r;
    int errno;
    try {
      r = (int) Libc.MUNMAP.invokeExact(Libc.captured(), MemorySegment.ofAddress(address), length);
      errno = Libc.errno();
    } catch (Throwable t) {
      throw Libc.rethrow(t);
    }
    if (r < 0) {
      throw new NativeCallException(
          "munmap",
          errno,
          "could not unmap " + length + " bytes at 0x" + Long.toHexString(address));
    }
  }
}
