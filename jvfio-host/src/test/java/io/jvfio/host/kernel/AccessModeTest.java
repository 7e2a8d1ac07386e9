package io.jvfio.host.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** open(2)'s access mode: read and write check it first (EBADF), ioctl ignores it. */
class AccessModeTest {
  private final HostProcess p = new Host(DefaultHost.topology()).process("vmm");
  private final MemorySegment buf = MemorySegment.ofArray(new byte[16]);

  @Test
  void readOnlyAndWriteOnlyFilesRefuseTheOtherDirection() {
    int ro = p.open("/dev/null", OpenFlags.O_RDONLY);
    int wo = p.open("/dev/null", OpenFlags.O_WRONLY);
    int rw = p.open("/dev/null", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC);
    assertThat(p.read(ro, buf)).isZero();
    assertThat(p.write(ro, buf)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.read(wo, buf)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.write(wo, buf)).isEqualTo(16);
    assertThat(p.read(rw, buf)).isZero();
    assertThat(p.write(rw, buf)).isEqualTo(16);
  }

  @Test
  void accessIsCheckedBeforeTheFileSaysItHasNoReadAndIoctlIgnoresIt() {
    int iommufd = p.open("/dev/iommu", OpenFlags.O_WRONLY);
    assertThat(p.read(iommufd, buf)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.write(iommufd, buf)).isEqualTo(Errno.EINVAL.negative());
    MemorySegment alloc = MemorySegment.ofArray(new byte[(int) IommuIoasAlloc.SIZEOF]);
    IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
    assertThat(p.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc)).isZero();
    assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(alloc)).isEqualTo(1);
  }

  @Test
  void aReadOnlyArgumentIsEfaultWhenTheKernelWritesBackAndNothingIsAllocated() {
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    MemorySegment alloc = MemorySegment.ofArray(new byte[(int) IommuIoasAlloc.SIZEOF]);
    IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
    assertThat(p.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc.asReadOnly()))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(iommufd, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc)).isZero();
    assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(alloc)).isEqualTo(1);
  }

  @Test
  void aDupSharesTheAccessModeOfItsFile() {
    int ro = p.open("/dev/null", OpenFlags.O_RDONLY);
    int copy = p.dup(ro);
    assertThat(p.write(copy, buf)).isEqualTo(Errno.EBADF.negative());
  }
}
