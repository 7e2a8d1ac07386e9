package io.jvfio.host.iommufd;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte-level helpers shared by the iommufd and cdev tests: every call goes through {@link
 * HostProcess} syscalls with heap argument buffers, and answers the raw return value or the value
 * the kernel wrote back.
 */
public final class IommufdTestKit {
  public static final long ULONG_MAX = -1L;
  public static final long MSI_START = 0xfee00000L;
  public static final long MSI_LAST = 0xfeefffffL;
  public static final long APERTURE_LAST = (1L << 48) - 1;

  private IommufdTestKit() {}

  // ---- buffers ----

  /** A zeroed caller buffer of {@code n} bytes (not part of the process address space). */
  public static MemorySegment buf(long n) {
    return MemorySegment.ofArray(new byte[(int) n]);
  }

  /** A buffer of {@code n} bytes, every byte {@code fill}. */
  public static MemorySegment filled(long n, int fill) {
    MemorySegment s = buf(n);
    s.fill((byte) fill);
    return s;
  }

  public static byte[] bytes(MemorySegment s) {
    return s.toArray(ValueLayout.JAVA_BYTE);
  }

  /** The little-endian u32 at {@code offset}. */
  public static int u32(MemorySegment s, long offset) {
    return s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), offset);
  }

  public static void putU32(MemorySegment s, long offset, int v) {
    s.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), offset, v);
  }

  // ---- processes and files ----

  public static int openOk(HostProcess p, String path) {
    int fd = p.open(path, OpenFlags.O_RDWR);
    assertThat(fd).as("open %s", path).isGreaterThanOrEqualTo(0);
    return fd;
  }

  public static int openIommufd(HostProcess p) {
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

  public static String cdev(Host host, String bdf) {
    return device(host, bdf).cdevPath();
  }

  public static VfioDevice device(Host host, String bdf) {
    return host.device(bdf).orElseThrow();
  }

  // ---- iommufd ioctls ----

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

  public static final int RW =
      IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE;
  public static final int FIXED_RW = RW | IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA;

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

  /** IOMMU_IOAS_IOVA_RANGES with an array of {@code capacity} entries in process memory. */
  public static Ranges iovaRanges(HostProcess p, int fd, int ioas, int capacity) {
    MemorySegment array = capacity == 0 ? null : p.memory().map(capacity * IommuIovaRange.SIZEOF);
    MemorySegment s = buf(IommuIoasIovaRanges.SIZEOF);
    IommuIoasIovaRanges.SIZE.set(s, (int) IommuIoasIovaRanges.SIZEOF);
    IommuIoasIovaRanges.IOAS_ID.set(s, ioas);
    IommuIoasIovaRanges.NUM_IOVAS.set(s, capacity);
    IommuIoasIovaRanges.ALLOWED_IOVAS.set(s, array == null ? 0 : array.address());
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_IOVA_RANGES, s);
    long n = IommuIoasIovaRanges.NUM_IOVAS.getUnsigned(s);
    List<IovaRange> ranges = new ArrayList<>();
    for (int i = 0; array != null && i < Math.min(n, capacity); i++) {
      MemorySegment e = array.asSlice(i * IommuIovaRange.SIZEOF, IommuIovaRange.SIZEOF);
      ranges.add(new IovaRange(IommuIovaRange.START.get(e), IommuIovaRange.LAST.get(e)));
    }
    return new Ranges(ret, n, IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s), ranges);
  }

  /** IOMMU_VFIO_IOAS: for GET the id on success, otherwise 0 or -errno. */
  public static int vfioIoas(HostProcess p, int fd, int op, int ioasId) {
    MemorySegment s = buf(IommuVfioIoas.SIZEOF);
    IommuVfioIoas.SIZE.set(s, (int) IommuVfioIoas.SIZEOF);
    IommuVfioIoas.IOAS_ID.set(s, ioasId);
    IommuVfioIoas.OP.set(s, op);
    int ret = p.ioctl(fd, IommufdIoctls.IOMMU_VFIO_IOAS, s);
    if (ret == 0 && op == IommufdConstants.IOMMU_VFIO_IOAS_GET) {
      return IommuVfioIoas.IOAS_ID.get(s);
    }
    return ret;
  }

  // ---- cdev ioctls ----

  public static MemorySegment bindArgs(int argsz, int flags, int iommufd) {
    MemorySegment s = buf(Math.max(argsz, VfioDeviceBindIommufd.SIZEOF));
    VfioDeviceBindIommufd.ARGSZ.set(s, argsz);
    VfioDeviceBindIommufd.FLAGS.set(s, flags);
    VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
    return s;
  }

  /** VFIO_DEVICE_BIND_IOMMUFD with a 24-byte struct: the devid, or -errno. */
  public static int bind(HostProcess p, int devFd, int iommufd) {
    MemorySegment s = bindArgs((int) VfioDeviceBindIommufd.SIZEOF, 0, iommufd);
    int ret = p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s);
    return ret < 0 ? ret : VfioDeviceBindIommufd.OUT_DEVID.get(s);
  }

  public static int bindOk(HostProcess p, int devFd, int iommufd) {
    int devid = bind(p, devFd, iommufd);
    assertThat(devid).as("BIND").isPositive();
    return devid;
  }

  /** VFIO_DEVICE_ATTACH_IOMMUFD_PT (argsz 12): the pt_id written back, or -errno. */
  public static int attach(HostProcess p, int devFd, int ptId) {
    MemorySegment s = buf(VfioDeviceAttachIommufdPt.MINSZ);
    VfioDeviceAttachIommufdPt.ARGSZ.set(s, (int) VfioDeviceAttachIommufdPt.MINSZ);
    VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
    int ret = p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
    return ret < 0 ? ret : VfioDeviceAttachIommufdPt.PT_ID.get(s);
  }

  /** VFIO_DEVICE_DETACH_IOMMUFD_PT (argsz 8): 0 or -errno. */
  public static int detach(HostProcess p, int devFd) {
    MemorySegment s = buf(VfioDeviceDetachIommufdPt.MINSZ);
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, (int) VfioDeviceDetachIommufdPt.MINSZ);
    return p.ioctl(devFd, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, s);
  }
}
