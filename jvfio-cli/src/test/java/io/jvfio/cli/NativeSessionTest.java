package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.nativebackend.NativeSyscalls;
import io.jvfio.nativebackend.Platform;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A native session ends as a process's exit would for the files it owns: what it opened is closed,
 * what was open before it stays open. /dev/null stands in for a VFIO node, since this machine may
 * have none.
 */
class NativeSessionTest {
  private static final int F_GETFD = 1;

  @Test
  void endingASessionClosesWhatItOpenedAndNothingElse() {
    Assumptions.assumeTrue(Platform.isSupported(), "needs Linux");
    NativeSyscalls sys = new NativeSyscalls();
    int before = sys.open("/dev/null", OpenFlags.O_RDWR);
    assertThat(before).isNotNegative();
    int inside1;
    int inside2;
    try (Backend.Session s = NativeBackend.session(sys, "/dev/null"::equals)) {
      inside1 = s.sys().open("/dev/null", OpenFlags.O_RDWR);
      inside2 = s.sys().dup(inside1);
      assertThat(inside1).isNotNegative();
      assertThat(inside2).isNotNegative();
    }
    try {
      assertThat(sys.fcntl(inside1, F_GETFD, 0)).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.fcntl(inside2, F_GETFD, 0)).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.fcntl(before, F_GETFD, 0)).isNotNegative();
    } finally {
      sys.close(before);
    }
  }

  @Test
  void theFilesOfVfioAndIommufdAreClaimedTheJvmsOwnAreNot() {
    assertThat(NativeBackend.isVfio("/dev/vfio/3")).isTrue();
    assertThat(NativeBackend.isVfio("/dev/vfio/devices/vfio0")).isTrue();
    assertThat(NativeBackend.isVfio("/dev/iommu")).isTrue();
    assertThat(NativeBackend.isVfio("anon_inode:[vfio-device]")).isTrue();
    // a driver names its data fd as it likes: mtty's
    assertThat(NativeBackend.isVfio("anon_inode:mtty_mig")).isTrue();
    assertThat(NativeBackend.isVfio("anon_inode:[eventpoll]")).isFalse();
    assertThat(NativeBackend.isVfio("anon_inode:[eventfd]")).isFalse();
    assertThat(NativeBackend.isVfio("socket:[4711]")).isFalse();
    assertThat(NativeBackend.isVfio("/dev/null")).isFalse();
    assertThat(NativeBackend.isVfio("/tmp/x.jar")).isFalse();
  }
}
