package io.jvfio.host.testkit;

import static io.jvfio.host.testkit.Kit.buf;
import static io.jvfio.host.testkit.Kit.openOk;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.iommufd.IommufdObject;
import io.jvfio.host.iommufd.IovaRange;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuHwptAlloc;
import io.jvfio.uapi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.uapi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** /dev/iommu: its objects and the IOAS ioctls, as the raw value or what the kernel wrote back. */
public final class Iommufd {
  public static final long ULONG_MAX = -1L;
  public static final long MSI_START = 0xfee00000L;
  public static final long MSI_LAST = 0xfeefffffL;
  public static final long APERTURE_LAST = (1L << 48) - 1;

  public static final int RW =
      IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE;
  public static final int FIXED_RW = RW | IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA;

  private Iommufd() {}

  /** open("/dev/iommu"): the fd or -errno. */
  public static int openIommufd(HostProcess p) {
    return p.open("/dev/iommu", Kit.RDWR);
  }

  public static int openIommufdOk(HostProcess p) {
    return openOk(p, "/dev/iommu");
  }

  public static IommufdContext ctx(HostProcess p, int fd) {
    return (IommufdContext) p.file(fd);
  }

  /** "kind id" of every live object, in id order. */
  public static List<String> objects(IommufdContext ctx) {
    return ctx.objects().stream().map(IommufdObject::toString).toList();
  }

  public static List<String> objects(HostProcess p, int fd) {
    return objects(ctx(p, fd));
  }

  public static List<Integer> ids(HostProcess p, int fd) {
    return ctx(p, fd).objects().stream().map(IommufdObject::id).toList();
  }

  /** IOMMU_IOAS_ALLOC: the new id, or -errno. */
  public static int ioasAlloc(HostProcess p, int fd) {
    MemorySegment s = buf(IommuIoasAlloc.SIZEOF);
    IommuIoasAlloc.SIZE.set(s, (int) IommuIoasAlloc.SIZEOF);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s);
    return ret < 0 ? ret : IommuIoasAlloc.OUT_IOAS_ID.get(s);
  }

  public static int ioasAllocOk(HostProcess p, int fd) {
    int id = ioasAlloc(p, fd);
    assertThat(id).as("IOAS_ALLOC").isPositive();
    return id;
  }

  /** IOMMU_DESTROY: 0 or -errno. */
  public static int destroy(HostProcess p, int fd, int id) {
    MemorySegment s = buf(IommuDestroy.SIZEOF);
    IommuDestroy.SIZE.set(s, (int) IommuDestroy.SIZEOF);
    IommuDestroy.ID.set(s, id);
    return p.ioctl(fd, IommufdIoctls.IOMMU_DESTROY, s);
  }

  public static MemorySegment mapArgs(int flags, int ioas, long userVa, long length, long iova) {
    MemorySegment s = buf(IommuIoasMap.SIZEOF);
    IommuIoasMap.SIZE.set(s, (int) IommuIoasMap.SIZEOF);
    IommuIoasMap.FLAGS.set(s, flags);
    IommuIoasMap.IOAS_ID.set(s, ioas);
    IommuIoasMap.USER_VA.set(s, userVa);
    IommuIoasMap.LENGTH.set(s, length);
    IommuIoasMap.IOVA.set(s, iova);
    return s;
  }

  /** The return value and the iova field after the call. */
  public record MapResult(int ret, long iova) {}

  public static MapResult map(
      HostProcess p, int fd, int flags, int ioas, long userVa, long length, long iova) {
    MemorySegment s = mapArgs(flags, ioas, userVa, length, iova);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_MAP, s);
    return new MapResult(ret, IommuIoasMap.IOVA.get(s));
  }

  /** A FIXED_IOVA read-write map; 0 or -errno. */
  public static int mapFixed(HostProcess p, int fd, int ioas, long iova, long userVa, long length) {
    return map(p, fd, FIXED_RW, ioas, userVa, length, iova).ret();
  }

  /** A kernel-chosen read-write map: the IOVA, asserting success. */
  public static long mapAutoOk(HostProcess p, int fd, int ioas, long userVa, long length) {
    MapResult r = map(p, fd, RW, ioas, userVa, length, 0);
    assertThat(r.ret()).as("auto IOAS_MAP").isZero();
    return r.iova();
  }

  /** The return value and the length field after the call. */
  public record UnmapResult(int ret, long length) {}

  public static UnmapResult unmap(HostProcess p, int fd, int ioas, long iova, long length) {
    MemorySegment s = buf(IommuIoasUnmap.SIZEOF);
    IommuIoasUnmap.SIZE.set(s, (int) IommuIoasUnmap.SIZEOF);
    IommuIoasUnmap.IOAS_ID.set(s, ioas);
    IommuIoasUnmap.IOVA.set(s, iova);
    IommuIoasUnmap.LENGTH.set(s, length);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_UNMAP, s);
    return new UnmapResult(ret, IommuIoasUnmap.LENGTH.get(s));
  }

  /** IOVA_RANGES answer: return value, num_iovas, alignment and the entries read back. */
  public record Ranges(int ret, long numIovas, long alignment, List<IovaRange> ranges) {}

  /** An IOMMU_IOAS_IOVA_RANGES argument: {@code capacity} entries at {@code array}. */
  public static MemorySegment rangesArg(int ioas, int capacity, long array) {
    MemorySegment s = buf(IommuIoasIovaRanges.SIZEOF);
    IommuIoasIovaRanges.SIZE.set(s, (int) IommuIoasIovaRanges.SIZEOF);
    IommuIoasIovaRanges.IOAS_ID.set(s, ioas);
    IommuIoasIovaRanges.NUM_IOVAS.set(s, capacity);
    IommuIoasIovaRanges.ALLOWED_IOVAS.set(s, array);
    return s;
  }

  /** IOMMU_IOAS_IOVA_RANGES with an array of {@code capacity} entries in process memory. */
  public static Ranges iovaRanges(HostProcess p, int fd, int ioas, int capacity) {
    MemorySegment array = capacity == 0 ? null : p.memory().map(capacity * IommuIovaRange.SIZEOF);
    MemorySegment s = rangesArg(ioas, capacity, array == null ? 0 : array.address());
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s);
    long n = IommuIoasIovaRanges.NUM_IOVAS.getUnsigned(s);
    List<IovaRange> ranges = new ArrayList<>();
    for (int i = 0; array != null && i < Math.min(n, capacity); i++) {
      MemorySegment e = array.asSlice(i * IommuIovaRange.SIZEOF, IommuIovaRange.SIZEOF);
      ranges.add(new IovaRange(IommuIovaRange.START.get(e), IommuIovaRange.LAST.get(e)));
    }
    return new Ranges(ret, n, IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s), ranges);
  }

  /** An IOMMU_VFIO_IOAS argument: size = sizeof, {@code op} and {@code ioasId}. */
  public static MemorySegment vfioIoasArg(int op, int ioasId) {
    MemorySegment s = buf(IommuVfioIoas.SIZEOF);
    IommuVfioIoas.SIZE.set(s, (int) IommuVfioIoas.SIZEOF);
    IommuVfioIoas.IOAS_ID.set(s, ioasId);
    IommuVfioIoas.OP.set(s, op);
    return s;
  }

  /** IOMMU_VFIO_IOAS: for GET the id on success, otherwise 0 or -errno. */
  public static int vfioIoas(HostProcess p, int fd, int op, int ioasId) {
    MemorySegment s = vfioIoasArg(op, ioasId);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, s);
    if (ret == 0 && op == IommufdConstants.IOMMU_VFIO_IOAS_GET) {
      return IommuVfioIoas.IOAS_ID.get(s);
    }
    return ret;
  }

  /** IOMMU_VFIO_IOAS: on success the ioas_id field after the call (any op), or -errno. */
  public static int vfioIoasId(HostProcess p, int fd, int op, int ioasId) {
    MemorySegment s = vfioIoasArg(op, ioasId);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, s);
    return ret < 0 ? ret : IommuVfioIoas.IOAS_ID.get(s);
  }

  /** An IOMMU_HWPT_ALLOC argument, size = sizeof, data_type NONE. */
  public static MemorySegment hwptAllocArg(int flags, int devId, int ptId) {
    MemorySegment s = buf(IommuHwptAlloc.SIZEOF);
    IommuHwptAlloc.SIZE.set(s, (int) IommuHwptAlloc.SIZEOF);
    IommuHwptAlloc.FLAGS.set(s, flags);
    IommuHwptAlloc.DEV_ID.set(s, devId);
    IommuHwptAlloc.PT_ID.set(s, ptId);
    return s;
  }

  /** IOMMU_HWPT_ALLOC: the new HWPT id, or -errno. */
  public static int hwptAlloc(HostProcess p, int fd, int flags, int devId, int ptId) {
    MemorySegment s = hwptAllocArg(flags, devId, ptId);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_HWPT_ALLOC, s);
    return ret < 0 ? ret : IommuHwptAlloc.OUT_HWPT_ID.get(s);
  }

  /** IOMMU_HWPT_SET_DIRTY_TRACKING: 0 or -errno. */
  public static int setDirtyTracking(HostProcess p, int fd, int hwpt, boolean enable) {
    MemorySegment s = buf(IommuHwptSetDirtyTracking.SIZEOF);
    IommuHwptSetDirtyTracking.SIZE.set(s, (int) IommuHwptSetDirtyTracking.SIZEOF);
    IommuHwptSetDirtyTracking.FLAGS.set(
        s, enable ? IommufdConstants.IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0);
    IommuHwptSetDirtyTracking.HWPT_ID.set(s, hwpt);
    return p.ioctl(fd, IommufdIoctls.IOMMU_HWPT_SET_DIRTY_TRACKING, s);
  }

  /** An IOMMU_HWPT_GET_DIRTY_BITMAP argument. */
  public static MemorySegment dirtyBitmapArg(
      int hwpt, int flags, long iova, long length, long pageSize, long data) {
    MemorySegment s = buf(IommuHwptGetDirtyBitmap.SIZEOF);
    IommuHwptGetDirtyBitmap.SIZE.set(s, (int) IommuHwptGetDirtyBitmap.SIZEOF);
    IommuHwptGetDirtyBitmap.HWPT_ID.set(s, hwpt);
    IommuHwptGetDirtyBitmap.FLAGS.set(s, flags);
    IommuHwptGetDirtyBitmap.IOVA.set(s, iova);
    IommuHwptGetDirtyBitmap.LENGTH.set(s, length);
    IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, pageSize);
    IommuHwptGetDirtyBitmap.DATA.set(s, data);
    return s;
  }

  /**
   * IOMMU_HWPT_GET_DIRTY_BITMAP into a fresh zeroed bitmap in process memory: the set bit indexes,
   * increasing; asserts success.
   */
  public static List<Long> dirtyBits(
      HostProcess p, int fd, int hwpt, int flags, long iova, long length, long pageSize) {
    long bits = Long.divideUnsigned(length, pageSize);
    long bytes = Math.max(8, ((bits + 63) / 64) * 8);
    MemorySegment bitmap = p.memory().map((bytes + 4095) & ~4095L);
    MemorySegment s = dirtyBitmapArg(hwpt, flags, iova, length, pageSize, bitmap.address());
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_HWPT_GET_DIRTY_BITMAP, s))
        .as("GET_DIRTY_BITMAP")
        .isZero();
    List<Long> out = new ArrayList<>();
    for (long w = 0; w < bytes / 8; w++) {
      long word = bitmap.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, w * 8);
      for (long b = word; b != 0; b &= b - 1) {
        out.add(w * 64 + Long.numberOfTrailingZeros(b));
      }
    }
    return out;
  }
}
