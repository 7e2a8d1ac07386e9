package io.jvfio.host.kernel;

import io.jvfio.uapi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

/**
 * The address space of an emulated process: the native memory it has mapped. Addresses that a
 * struct carries (an IOAS {@code user_va}, a token or bitmap pointer, a raw ioctl argument word)
 * are resolved here, so an address the process never mapped is {@code EFAULT} instead of a JVM
 * crash.
 */
public final class UserMemory implements AutoCloseable {
  private final Arena arena = Arena.ofShared();
  private final TreeMap<Long, MemorySegment> mappings = new TreeMap<>();

  /** Maps {@code size} zeroed bytes, page aligned, like an anonymous mmap. */
  public MemorySegment map(long size) {
    return map(size, 4096);
  }

  /**
   * Maps {@code size} zeroed bytes aligned to {@code alignment} (a power of two of at least a
   * page), as a VMM does when it backs guest RAM with huge pages.
   */
  public synchronized MemorySegment map(long size, long alignment) {
    if (size <= 0) {
      throw new IllegalArgumentException("size must be positive: " + size);
    }
    if (alignment < 4096 || Long.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("alignment must be a power of two >= 4096: " + alignment);
    }
    MemorySegment s = arena.allocate(size, alignment);
    mappings.put(s.address(), s);
    return s;
  }

  /** Makes memory the caller allocated itself part of this address space. */
  public synchronized MemorySegment adopt(MemorySegment segment) {
    if (!segment.isNative() || segment.byteSize() == 0) {
      throw new IllegalArgumentException("only non-empty native memory can be adopted");
    }
    mappings.put(segment.address(), segment);
    return segment;
  }

  /** True when {@code [address, address + length)} lies inside one mapping. */
  public synchronized boolean isMapped(long address, long length) {
    return find(address, length) != null;
  }

  /**
   * The bytes at {@code [address, address + length)}, or {@code EFAULT} when any of them is not
   * mapped (a zero address always is).
   */
  public synchronized MemorySegment resolve(long address, long length) {
    MemorySegment s = find(address, length);
    if (s == null) {
      throw new KernelError(Errno.EFAULT, "address 0x" + Long.toHexString(address) + " not mapped");
    }
    return s;
  }

  /**
   * Whether pin_user_pages would succeed on {@code [address, address + length)}: all of it mapped
   * and, for a pin that lets a device write ({@code write}), none of it read-only.
   */
  public synchronized boolean isPinnable(long address, long length, boolean write) {
    MemorySegment s = find(address, length);
    return s != null && !(write && s.isReadOnly());
  }

  /**
   * The bytes at {@code [address, address + length)} for a copy_to_user: {@code EFAULT} when any of
   * them is not mapped or the mapping is read-only, as a write to a read-only page faults.
   */
  public synchronized MemorySegment resolveWritable(long address, long length) {
    MemorySegment s = resolve(address, length);
    if (s.isReadOnly()) {
      throw new KernelError(Errno.EFAULT, "address 0x" + Long.toHexString(address) + " read-only");
    }
    return s;
  }

  /**
   * The bytes from {@code address} to the end of its mapping (an ioctl's pointer argument: the
   * kernel reads as much as the struct says), or null when the address is not mapped.
   */
  public synchronized MemorySegment tail(long address) {
    Map.Entry<Long, MemorySegment> e = mappings.floorEntry(address);
    if (address == 0 || e == null || !UserBuffer.accessible(e.getValue())) {
      return null;
    }
    long off = address - e.getKey();
    return off < e.getValue().byteSize() ? e.getValue().asSlice(off) : null;
  }

  private MemorySegment find(long address, long length) {
    if (address == 0 || length < 0) {
      return null;
    }
    Map.Entry<Long, MemorySegment> e = mappings.floorEntry(address);
    // adopted memory whose arena closed is unmapped
    if (e == null || !UserBuffer.accessible(e.getValue())) {
      return null;
    }
    long off = address - e.getKey();
    long size = e.getValue().byteSize();
    if (off > size || length > size - off) {
      return null;
    }
    return e.getValue().asSlice(off, length);
  }

  @Override
  public synchronized void close() {
    mappings.clear();
    arena.close();
  }
}
