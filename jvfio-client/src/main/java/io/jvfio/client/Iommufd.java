package io.jvfio.client;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuHwInfo;
import io.jvfio.uapi.iommufd.IommuHwptAlloc;
import io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.uapi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An open {@code /dev/iommu}: IO address spaces and DMA mappings, HW page tables and their dirty
 * tracking.
 */
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

  /**
   * IOMMU_HWPT_ALLOC: a paging HWPT over {@code ioas} for device {@code devId} (a BIND devid);
   * {@code flags} such as {@link IommufdConstants#IOMMU_HWPT_ALLOC_DIRTY_TRACKING}. Returns its id;
   * a device joins it with {@link VfioDevice#attach}.
   */
  public int allocHwpt(int devId, int ioas, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuHwptAlloc.SIZEOF);
      IommuHwptAlloc.SIZE.set(s, (int) IommuHwptAlloc.SIZEOF);
      IommuHwptAlloc.FLAGS.set(s, flags);
      IommuHwptAlloc.DEV_ID.set(s, devId);
      IommuHwptAlloc.PT_ID.set(s, ioas);
      Calls.check(sys.ioctl(fd, IommufdIoctls.IOMMU_HWPT_ALLOC, s), "IOMMU_HWPT_ALLOC");
      return IommuHwptAlloc.OUT_HWPT_ID.get(s);
    }
  }

  /**
   * What IOMMU_GET_HW_INFO says about a device's IOMMU: the info type, the length of its
   * driver-specific data, and the generic capabilities.
   */
  public record HwInfo(int dataType, int dataLength, long capabilities) {
    public boolean dirtyTracking() {
      return (capabilities & IommufdConstants.IOMMU_HW_CAP_DIRTY_TRACKING) != 0;
    }
  }

  /** IOMMU_GET_HW_INFO for device {@code devId}, without the driver-specific data. */
  public HwInfo hwInfo(int devId) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuHwInfo.SIZEOF);
      IommuHwInfo.SIZE.set(s, (int) IommuHwInfo.SIZEOF);
      IommuHwInfo.DEV_ID.set(s, devId);
      Calls.check(sys.ioctl(fd, IommufdIoctls.IOMMU_GET_HW_INFO, s), "IOMMU_GET_HW_INFO");
      return new HwInfo(
          IommuHwInfo.OUT_DATA_TYPE.get(s),
          IommuHwInfo.DATA_LEN.get(s),
          IommuHwInfo.OUT_CAPABILITIES.get(s));
    }
  }

  /** IOMMU_HWPT_SET_DIRTY_TRACKING: on (which starts from a clean snapshot) or off. */
  public void setDirtyTracking(int hwpt, boolean enable) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuHwptSetDirtyTracking.SIZEOF);
      IommuHwptSetDirtyTracking.SIZE.set(s, (int) IommuHwptSetDirtyTracking.SIZEOF);
      IommuHwptSetDirtyTracking.FLAGS.set(
          s, enable ? IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0);
      IommuHwptSetDirtyTracking.HWPT_ID.set(s, hwpt);
      Calls.check(
          sys.ioctl(fd, IommufdIoctls.IOMMU_HWPT_SET_DIRTY_TRACKING, s),
          "IOMMU_HWPT_SET_DIRTY_TRACKING(" + (enable ? "on" : "off") + ")");
    }
  }

  /**
   * IOMMU_HWPT_GET_DIRTY_BITMAP of {@code [iova, iova + length)} at {@code pageSize} into {@code
   * bitmap} (the process's own memory, at least one bit per page rounded up to u64 words; bits are
   * only set, so zero it first). Reported pages are cleared unless {@code noClear}.
   */
  public void readDirty(
      int hwpt, long iova, long length, long pageSize, MemorySegment bitmap, boolean noClear) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(IommuHwptGetDirtyBitmap.SIZEOF);
      IommuHwptGetDirtyBitmap.SIZE.set(s, (int) IommuHwptGetDirtyBitmap.SIZEOF);
      IommuHwptGetDirtyBitmap.HWPT_ID.set(s, hwpt);
      IommuHwptGetDirtyBitmap.FLAGS.set(
          s, noClear ? IommufdConstants.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0);
      IommuHwptGetDirtyBitmap.IOVA.set(s, iova);
      IommuHwptGetDirtyBitmap.LENGTH.set(s, length);
      IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, pageSize);
      IommuHwptGetDirtyBitmap.DATA.set(s, bitmap.address());
      Calls.check(
          sys.ioctl(fd, IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s),
          "IOMMU_HWPT_GET_DIRTY_BITMAP");
    }
  }

  @Override
  public void close() {
    Calls.check(sys.close(fd), "close(/dev/iommu)");
  }
}
