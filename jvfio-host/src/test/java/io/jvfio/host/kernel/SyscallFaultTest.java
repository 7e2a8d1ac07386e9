package io.jvfio.host.kernel;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommuIoasIovaRanges;
import io.jvfio.uapi.iommufd.IommuIovaRange;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where Linux answers an errno the emulator must too: a copy into read-only memory, a buffer that
 * is not there, a call on a process that has exited.
 */
class SyscallFaultTest {
  private static final long EFAULT = Errno.EFAULT.negative();
  private static final long EBADF = Errno.EBADF.negative();
  private static final long RANGE = IommuIovaRange.SIZEOF;

  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
  }

  private MemorySegment readOnlyMapping(long size) {
    return p.memory().adopt(Arena.ofAuto().allocate(size, 4096).asReadOnly());
  }

  @Test
  void iovaRangesWrittenIntoReadOnlyMemoryIsEfault() {
    int ictx = openIommufdOk(p);
    int ioas = ioasAllocOk(p, ictx);
    long ranges = IommufdIoctls.IOMMU_IOAS_IOVA_RANGES;
    // the array the ranges are copied into is read-only
    MemorySegment ro = readOnlyMapping(4 * RANGE);
    assertThat(p.ioctl(ictx, ranges, rangesArg(ioas, 4, ro.address()))).isEqualTo(EFAULT);
    // the array is fine, the struct written back is read-only
    MemorySegment array = p.memory().map(4 * RANGE);
    MemorySegment arg = rangesArg(ioas, 4, array.address());
    assertThat(p.ioctl(ictx, ranges, arg.asReadOnly())).isEqualTo(EFAULT);
    // memory adopted from an arena that closed since is unmapped
    Arena gone = Arena.ofShared();
    MemorySegment stale = p.memory().adopt(gone.allocate(4 * RANGE, 4096));
    gone.close();
    assertThat(p.ioctl(ictx, ranges, rangesArg(ioas, 4, stale.address()))).isEqualTo(EFAULT);
    // and the same call with writable memory works
    assertThat(p.ioctl(ictx, ranges, arg)).isZero();
    assertThat(IommuIoasIovaRanges.NUM_IOVAS.get(arg)).isPositive();
  }

  @Test
  void everyStructWrittenBackIntoReadOnlyMemoryIsEfault() {
    VfioDevice d = device(host, DefaultHost.SLOT_DEVICE);
    int ictx = openIommufdOk(p);
    MemorySegment alloc = buf(IommuIoasAlloc.SIZEOF);
    IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
    assertThat(p.ioctl(ictx, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc.asReadOnly())).isEqualTo(EFAULT);
    // the object allocated before the failed copy-out is gone again
    assertThat(objects(p, ictx)).isEmpty();

    int dev = openOk(p, d.cdevPath());
    MemorySegment bind = bindArgs((int) io.jvfio.uapi.vfio.VfioDeviceBindIommufd.SIZEOF, 0, ictx);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bind.asReadOnly()))
        .isEqualTo(EFAULT);
    assertThat(bind(p, dev, ictx)).isPositive();
    MemorySegment info = buf(VfioDeviceInfo.SIZEOF);
    VfioDeviceInfo.ARGSZ.set(info, (int) VfioDeviceInfo.SIZEOF);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_GET_INFO, info.asReadOnly())).isEqualTo(EFAULT);

    int group = openOk(p, device(host, DefaultHost.ROOT_BUS_DEVICE).group().path());
    MemorySegment status = buf(VfioGroupStatus.SIZEOF);
    VfioGroupStatus.ARGSZ.set(status, (int) VfioGroupStatus.SIZEOF);
    assertThat(p.ioctl(group, VfioIoctls.VFIO_GROUP_GET_STATUS, status.asReadOnly()))
        .isEqualTo(EFAULT);
  }

  @Test
  void aMissingOrVanishedBufferIsEfault() throws Exception {
    int nul = p.open("/dev/null", OpenFlags.O_RDWR);
    assertThat(p.read(nul, null)).isEqualTo(EFAULT);
    assertThat(p.write(nul, null)).isEqualTo(EFAULT);
    assertThat(p.pread(nul, null, 0)).isEqualTo(EFAULT);
    assertThat(p.pwrite(nul, null, 0)).isEqualTo(EFAULT);
    // the fd is checked first, as fdget comes before any copy
    assertThat(p.read(99, null)).isEqualTo(EBADF);

    Arena arena = Arena.ofShared();
    MemorySegment closed = arena.allocate(64);
    arena.close();
    assertThat(p.read(nul, closed)).isEqualTo(EFAULT);
    assertThat(p.write(nul, closed)).isEqualTo(EFAULT);
    assertThat(p.pread(nul, closed, 0)).isEqualTo(EFAULT);
    assertThat(p.pwrite(nul, closed, 0)).isEqualTo(EFAULT);
    int group = openOk(p, device(host, DefaultHost.ROOT_BUS_DEVICE).group().path());
    assertThat(p.ioctl(group, VfioIoctls.VFIO_GROUP_GET_STATUS, closed)).isEqualTo(EFAULT);

    // memory confined to another thread is not the caller's to hand over
    AtomicReference<MemorySegment> foreign = new AtomicReference<>();
    Thread t = Thread.ofPlatform().start(() -> foreign.set(Arena.ofConfined().allocate(64)));
    t.join();
    assertThat(p.write(nul, foreign.get())).isEqualTo(EFAULT);
    assertThat(p.ioctl(group, VfioIoctls.VFIO_GROUP_GET_STATUS, foreign.get())).isEqualTo(EFAULT);
  }

  @Test
  void anExitedProcessHasNoFdsAndNoTableToOpenInto() {
    int nul = p.open("/dev/null", OpenFlags.O_RDWR);
    HostProcess q = host.process("peer");
    MemorySegment b = buf(8);
    p.close();
    assertThat(p.open("/dev/null", OpenFlags.O_RDWR)).isEqualTo(Errno.ESRCH.negative());
    assertThat(p.close(nul)).isEqualTo(EBADF);
    assertThat(p.dup(0)).isEqualTo(EBADF);
    assertThat(p.read(nul, b)).isEqualTo(EBADF);
    assertThat(p.write(nul, b)).isEqualTo(EBADF);
    assertThat(p.ioctl(nul, VfioIoctls.VFIO_GET_API_VERSION, 0L)).isEqualTo(EBADF);
    assertThat(p.ioctl(nul, VfioIoctls.VFIO_GET_API_VERSION, b)).isEqualTo(EBADF);
    assertThat(p.lseek(nul, 0, 0)).isEqualTo(EBADF);
    assertThat(p.pread(nul, b, 0)).isEqualTo(EBADF);
    assertThat(p.pwrite(nul, b, 0)).isEqualTo(EBADF);
    assertThat(p.fcntl(nul, PollBits.F_GETFD, 0)).isEqualTo(EBADF);
    assertThat(p.poll(nul, PollBits.POLLIN)).isEqualTo(PollBits.POLLNVAL);
    assertThat(p.passFd(nul, q)).isEqualTo(EBADF);
    assertThat(p.openFds()).isEmpty();
    assertThat(q.openFds()).containsExactly(0, 1, 2);
  }
}
