package io.jvfio.host.kernel;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ioctl's cmd is an unsigned int: bits above 32 of the request never reach a driver. */
class IoctlRequestWidthTest {
  private final Random rnd = new Random(0x10c71);

  /** {@code request} with random non-zero high 32 bits. */
  private long high(long request) {
    long bits;
    do {
      bits = rnd.nextLong() & 0xffff_ffff_0000_0000L;
    } while (bits == 0);
    return request | bits;
  }

  @Test
  void highRequestBitsAreDroppedOnEveryKindOfFile() {
    Host host = new Host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    int container = openOk(p, "/dev/vfio/vfio");
    int ictx = openIommufdOk(p);
    int group = openOk(p, device(host, DefaultHost.ROOT_BUS_DEVICE).group().path());
    for (int i = 0; i < 20; i++) {
      assertThat(p.ioctl(container, high(VfioIoctls.VFIO_GET_API_VERSION), 0L))
          .isEqualTo(VfioConstants.VFIO_API_VERSION);
      assertThat(
              p.ioctl(
                  container,
                  high(VfioIoctls.VFIO_CHECK_EXTENSION),
                  VfioConstants.VFIO_TYPE1v2_IOMMU))
          .isEqualTo(1);

      MemorySegment status = buf(VfioGroupStatus.SIZEOF);
      VfioGroupStatus.ARGSZ.set(status, (int) VfioGroupStatus.SIZEOF);
      assertThat(p.ioctl(group, high(VfioIoctls.VFIO_GROUP_GET_STATUS), status)).isZero();
      assertThat(VfioGroupStatus.FLAGS.get(status) & VfioConstants.VFIO_GROUP_FLAGS_VIABLE)
          .isNotZero();

      MemorySegment alloc = buf(IommuIoasAlloc.SIZEOF);
      IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
      assertThat(p.ioctl(ictx, high(IommufdIoctls.IOMMU_IOAS_ALLOC), alloc)).isZero();
      assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(alloc)).isEqualTo(i + 1);
    }
    // the low 32 bits still decide: a request no file knows stays ENOTTY
    assertThat(p.ioctl(group, high(0x3bffL), 0L)).isEqualTo(Errno.ENOTTY.negative());
    host.close();
  }
}
