package io.jvfio.bench;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommuDestroy;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasAllowIovas;
import io.jvfio.uapi.iommufd.IommuIoasMap;
import io.jvfio.uapi.iommufd.IommuIoasUnmap;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommufdConstants;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * iommufd calls against an IOAS or context already holding {@code size} things: IOAS_MAP (with a
 * kernel-chosen and with a fixed IOVA, each undone by IOAS_UNMAP so the count stays) next to {@code
 * size} one-page mappings, IOAS_ALLOW_IOVAS of {@code size} ranges, and IOAS_ALLOC (undone by
 * DESTROY) next to {@code size} live IOAS objects.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IoasScaleBench {
  private static final long PAGE = 4096;
  private static final int RW =
      IommufdConstants.IOMMU_IOAS_MAP_READABLE | IommufdConstants.IOMMU_IOAS_MAP_WRITEABLE;

  /** A host, a process with an iommufd and one IOAS. */
  @State(Scope.Thread)
  public abstract static class Context {
    Host host;
    HostProcess vmm;
    int iommufd;
    int ioas;
    final MemorySegment alloc = MemorySegment.ofArray(new byte[(int) IommuIoasAlloc.SIZEOF]);
    final MemorySegment destroy = MemorySegment.ofArray(new byte[(int) IommuDestroy.SIZEOF]);

    void open() {
      host = new Host(Topology.parse(ScaleTopologies.deviceSet(1)));
      vmm = host.process("vmm");
      iommufd = HotResetScaleBench.check(vmm.open("/dev/iommu", OpenFlags.O_RDWR), "open");
      ioas = allocIoas();
    }

    int allocIoas() {
      IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
      HotResetScaleBench.check(
          vmm.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc), "IOAS_ALLOC");
      return IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
    }

    void destroy(int id) {
      IommuDestroy.SIZE.set(destroy, (int) IommuDestroy.SIZEOF);
      IommuDestroy.ID.set(destroy, id);
      HotResetScaleBench.check(vmm.ioctl(iommufd, IommufdIoctls.IOMMU_DESTROY, destroy), "DESTROY");
    }

    @TearDown(Level.Trial)
    public void close() {
      host.close();
    }
  }

  /** An IOAS with {@code size} one-page mappings packed from IOVA 0x1000. */
  public static class Mapped extends Context {
    @Param({"10000", "160000"})
    public int size;

    final MemorySegment map = MemorySegment.ofArray(new byte[(int) IommuIoasMap.SIZEOF]);
    final MemorySegment unmap = MemorySegment.ofArray(new byte[(int) IommuIoasUnmap.SIZEOF]);
    long userVa;
    long fixedIova;

    @Setup(Level.Trial)
    public void setUp() {
      open();
      userVa = vmm.memory().map(2L << 20, 2L << 20).address();
      for (int i = 0; i < size; i++) {
        map(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA, PAGE * (1 + i));
      }
      fixedIova = PAGE * (size + 16);
    }

    long map(int flags, long iova) {
      IommuIoasMap.SIZE.set(map, (int) IommuIoasMap.SIZEOF);
      IommuIoasMap.FLAGS.set(map, RW | flags);
      IommuIoasMap.IOAS_ID.set(map, ioas);
      IommuIoasMap.USER_VA.set(map, userVa);
      IommuIoasMap.LENGTH.set(map, PAGE);
      IommuIoasMap.IOVA.set(map, iova);
      HotResetScaleBench.check(vmm.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_MAP, map), "MAP");
      return IommuIoasMap.IOVA.get(map);
    }

    long unmap(long iova) {
      IommuIoasUnmap.SIZE.set(unmap, (int) IommuIoasUnmap.SIZEOF);
      IommuIoasUnmap.IOAS_ID.set(unmap, ioas);
      IommuIoasUnmap.IOVA.set(unmap, iova);
      IommuIoasUnmap.LENGTH.set(unmap, PAGE);
      HotResetScaleBench.check(vmm.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_UNMAP, unmap), "UNMAP");
      return IommuIoasUnmap.LENGTH.get(unmap);
    }
  }

  /** An IOAS and {@code size} disjoint ascending ranges in the process's memory. */
  public static class Ranges extends Context {
    @Param({"10000", "160000"})
    public int size;

    final MemorySegment allow = MemorySegment.ofArray(new byte[(int) IommuIoasAllowIovas.SIZEOF]);

    @Setup(Level.Trial)
    public void setUp() {
      open();
      MemorySegment array = vmm.memory().map(size * IommuIovaRange.SIZEOF);
      for (int i = 0; i < size; i++) {
        MemorySegment r = array.asSlice(i * IommuIovaRange.SIZEOF, IommuIovaRange.SIZEOF);
        IommuIovaRange.START.set(r, 2 * PAGE * (i + 1));
        IommuIovaRange.LAST.set(r, 2 * PAGE * (i + 1) + PAGE - 1);
      }
      IommuIoasAllowIovas.SIZE.set(allow, (int) IommuIoasAllowIovas.SIZEOF);
      IommuIoasAllowIovas.IOAS_ID.set(allow, ioas);
      IommuIoasAllowIovas.NUM_IOVAS.set(allow, size);
      IommuIoasAllowIovas.ALLOWED_IOVAS.set(allow, array.address());
    }
  }

  /** A context with {@code size} live IOAS objects, ids 1 to size. */
  public static class Objects extends Context {
    @Param({"10000", "160000"})
    public int size;

    @Setup(Level.Trial)
    public void setUp() {
      open();
      for (int i = 1; i < size; i++) {
        allocIoas();
      }
    }
  }

  @Benchmark
  public long mapAuto(Mapped s) {
    return s.unmap(s.map(0, 0));
  }

  @Benchmark
  public long mapFixed(Mapped s) {
    return s.unmap(s.map(IommufdConstants.IOMMU_IOAS_MAP_FIXED_IOVA, s.fixedIova));
  }

  @Benchmark
  public int allowIovas(Ranges s) {
    return HotResetScaleBench.check(
        s.vmm.ioctl(s.iommufd, IommufdIoctls.IOMMU_IOAS_ALLOW_IOVAS, s.allow), "ALLOW_IOVAS");
  }

  @Benchmark
  public int allocDestroy(Objects s) {
    int id = s.allocIoas();
    s.destroy(id);
    return id;
  }
}
