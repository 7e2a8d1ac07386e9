package io.jvfio.client;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An open {@code /dev/iommu}: IO address spaces and DMA mappings. */
public final class Iommufd implements AutoCloseable {
  private final Syscalls sys;
  private final int fd;

  private Iommufd(Syscalls sys, int fd) {
    this.sys = sys;
    this.fd = fd;
  }

  public static Iommufd open(Syscalls sys) {
    return new Iommufd(
        sys, Calls.check(sys.open("/dev/iommu", OpenFlags.O_RDWR), "open(/dev/iommu)"));
  }

  public int fd() {
    return fd;
  }

  Syscalls sys() {
    return sys;
  }

  /** IOMMU_IOAS_ALLOC: a new IO address space's id. */
  public int allocIoas() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuIoasAlloc.SIZEOF);
      IommuIoasAlloc.SIZE.set(s, (int) IommuIoasAlloc.SIZEOF);
      Calls.check(sys.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s), "IOMMU_IOAS_ALLOC");
      return IommuIoasAlloc.OUT_IOAS_ID.get(s);
    }
  }

  /**
   * IOMMU_IOAS_MAP of {@code memory} (the process's own memory) readable and writable; {@code iova}
   * null lets the kernel choose. Returns the IOVA.
   */
  public long map(int ioas, MemorySegment memory, Long iova) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuIoasMap.SIZEOF);
      IommuIoasMap.SIZE.set(s, (int) IommuIoasMap.SIZEOF);
      int flags =
          IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE;
      if (iova != null) {
        flags |= IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA;
        IommuIoasMap.IOVA.set(s, iova);
      }
      IommuIoasMap.FLAGS.set(s, flags);
      IommuIoasMap.IOAS_ID.set(s, ioas);
      IommuIoasMap.USER_VA.set(s, memory.address());
      IommuIoasMap.LENGTH.set(s, memory.byteSize());
      Calls.check(sys.ioctl(fd, IommufdIoctls.IOMMU_IOAS_MAP, s), "IOMMU_IOAS_MAP");
      return IommuIoasMap.IOVA.get(s);
    }
  }

  /** IOMMU_IOAS_UNMAP; returns the bytes unmapped. */
  public long unmap(int ioas, long iova, long length) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuIoasUnmap.SIZEOF);
      IommuIoasUnmap.SIZE.set(s, (int) IommuIoasUnmap.SIZEOF);
      IommuIoasUnmap.IOAS_ID.set(s, ioas);
      IommuIoasUnmap.IOVA.set(s, iova);
      IommuIoasUnmap.LENGTH.set(s, length);
      Calls.check(sys.ioctl(fd, IommufdIoctls.IOMMU_IOAS_UNMAP, s), "IOMMU_IOAS_UNMAP");
      return IommuIoasUnmap.LENGTH.get(s);
    }
  }

  /** IOMMU_DESTROY of an object id. */
  public void destroy(int id) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuDestroy.SIZEOF);
      IommuDestroy.SIZE.set(s, (int) IommuDestroy.SIZEOF);
      IommuDestroy.ID.set(s, id);
      Calls.check(sys.ioctl(fd, IommufdIoctls.IOMMU_DESTROY, s), "IOMMU_DESTROY(" + id + ")");
    }
  }

  @Override
  public void close() {
    Calls.check(sys.close(fd), "close(/dev/iommu)");
  }
}
