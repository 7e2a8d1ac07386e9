package io.jvfio.nativebackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * On a machine with the vfio module loaded (the lab VM, a VFIO host), the container answers the
 * version and extension probes every VMM starts with; elsewhere (CI, most laptops) skipped.
 */
class VfioContainerProbeTest {
  private static final String CONTAINER = "/dev/vfio/vfio";

  @Test
  void theContainerAnswersTheApiVersionAndType1v2() {
    assumeTrue(Platform.isSupported(), "the native backend runs on Linux only");
    assumeTrue(Files.isReadable(Path.of(CONTAINER)), CONTAINER + " is not here: no vfio module");
    NativeSyscalls sys = new NativeSyscalls();
    int fd = sys.open(CONTAINER, OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC);
    assumeTrue(fd >= 0, CONTAINER + " cannot be opened by this user");
    try {
      assertThat(sys.ioctl(fd, VfioIoctls.VFIO_GET_API_VERSION, 0L))
          .isEqualTo(VfioConstants.VFIO_API_VERSION);
      // a yes (1) or no (0) for type1v2, never an errno
      assertThat(sys.ioctl(fd, VfioIoctls.VFIO_CHECK_EXTENSION, VfioConstants.VFIO_TYPE1v2_IOMMU))
          .isBetween(0, 1);
    } finally {
      assertThat(sys.close(fd)).isZero();
    }
  }
}
