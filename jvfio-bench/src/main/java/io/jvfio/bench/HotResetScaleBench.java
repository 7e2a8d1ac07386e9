package io.jvfio.bench;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPciDependentDevice;
import io.jvfio.uapi.vfio.VfioPciHotReset;
import io.jvfio.uapi.vfio.VfioPciHotResetInfo;
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
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET by a cdev caller on a device set
 * of {@code size} members, every member opened and bound to the caller's iommufd (so INFO reports a
 * devid per member and the reset proves ownership of each).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotResetScaleBench {
  @Param({"16", "256"})
  public int size;

  private Host host;
  private HostProcess vmm;
  private int deviceFd;
  private MemorySegment info;
  private MemorySegment reset;

  @Setup(Level.Trial)
  public void setUp() {
    host = new Host(Topology.parse(ScaleTopologies.deviceSet(size)));
    vmm = host.process("vmm");
    int iommufd = check(vmm.open("/dev/iommu", OpenFlags.O_RDWR), "open /dev/iommu");
    for (VfioDevice d : host.vfio().devices()) {
      int fd = check(vmm.open(d.cdevPath(), OpenFlags.O_RDWR), "open " + d.cdevPath());
      MemorySegment bind = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
      VfioDeviceBindIommufd.ARGSZ.set(bind, (int) VfioDeviceBindIommufd.SIZEOF);
      VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
      check(vmm.ioctl(fd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bind), "bind " + d.name());
      if (d.pci().name().equals(ScaleTopologies.DEVICE_SET_FIRST)) {
        deviceFd = fd;
      }
    }
    long infoSize = VfioPciHotResetInfo.MINSZ + size * VfioPciDependentDevice.SIZEOF;
    info = MemorySegment.ofArray(new byte[(int) infoSize]);
    reset = MemorySegment.ofArray(new byte[(int) VfioPciHotReset.MINSZ]);
    // both calls must work before they are timed
    info();
    resetAll();
    if (VfioPciHotResetInfo.COUNT.get(info) != size) {
      throw new IllegalStateException("INFO reported " + VfioPciHotResetInfo.COUNT.get(info));
    }
  }

  static int check(int ret, String what) {
    if (ret < 0) {
      throw new IllegalStateException(what + " failed: " + ret);
    }
    return ret;
  }

  @Benchmark
  public int info() {
    VfioPciHotResetInfo.ARGSZ.set(info, (int) info.byteSize());
    return check(
        vmm.ioctl(deviceFd, VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info), "hot-reset INFO");
  }

  @Benchmark
  public int resetAll() {
    VfioPciHotReset.ARGSZ.set(reset, (int) VfioPciHotReset.MINSZ);
    VfioPciHotReset.COUNT.set(reset, 0);
    return check(vmm.ioctl(deviceFd, VfioIoctls.VFIO_DEVICE_PCI_HOT_RESET, reset), "HOT_RESET");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    host.close();
  }
}
