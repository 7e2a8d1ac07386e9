package io.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.uapi.Errno;
import org.junit.jupiter.api.Test;

/** {@link VfioException} and the errno sentences of {@link Calls}. */
class VfioExceptionTest {
  @Test
  void carriesTheErrnoTheCallAndASentence() {
    VfioException e = new VfioException(-22, "VFIO_DEVICE_RESET(dev)", "try again later");
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.rawErrno()).isEqualTo(22);
    assertThat(e.call()).isEqualTo("VFIO_DEVICE_RESET(dev)");
    assertThat(e.is(Errno.EINVAL)).isTrue();
    assertThat(e.is(Errno.EBUSY)).isFalse();
    assertThat(e.getMessage())
        .isEqualTo("VFIO_DEVICE_RESET(dev) failed: EINVAL (Invalid argument) - try again later");
    assertThat(e).isInstanceOf(RuntimeException.class);
  }

  @Test
  void anEmptyExplanationAddsNothing() {
    VfioException e = new VfioException(-16, "open(/dev/vfio/3)", "");
    assertThat(e.getMessage())
        .isEqualTo("open(/dev/vfio/3) failed: EBUSY (Device or resource busy)");
  }

  @Test
  void anErrnoWithoutANameKeepsItsNumber() {
    VfioException e = new VfioException(-999, "ioctl", "");
    assertThat(e.errno()).isNull();
    assertThat(e.rawErrno()).isEqualTo(999);
    assertThat(e.getMessage()).isEqualTo("ioctl failed: errno 999");
    assertThat(e.is(Errno.EINVAL)).isFalse();
  }

  @Test
  void checkPassesResultsThrough() {
    assertThat(Calls.check(0, "x")).isZero();
    assertThat(Calls.check(7, "x")).isEqualTo(7);
    assertThat(Calls.check(1L << 40, "x")).isEqualTo(1L << 40);
  }

  @Test
  void everyErrnoTheClientMeetsHasASentence() {
    for (Errno errno :
        new Errno[] {
          Errno.EBUSY,
          Errno.EPERM,
          Errno.ENOTTY,
          Errno.ENODEV,
          Errno.EBADF,
          Errno.EFAULT,
          Errno.EINVAL,
          Errno.ENOENT,
          Errno.ENOMSG,
          Errno.EEXIST,
          Errno.ENOSPC,
          Errno.EIO,
          Errno.EOPNOTSUPP
        }) {
      VfioException e =
          catchThrowableOfType(VfioException.class, () -> Calls.check(errno.negative(), "CALL"));
      assertThat(e.errno()).isEqualTo(errno);
      assertThat(e.call()).isEqualTo("CALL");
      assertThat(e.getMessage())
          .as("%s", errno)
          .startsWith("CALL failed: " + errno.name() + " (" + errno.description() + ") - ")
          .doesNotEndWith(" - ");
    }
  }

  @Test
  void anErrnoWithoutASentenceStillNamesItself() {
    VfioException e =
        catchThrowableOfType(VfioException.class, () -> Calls.check(Errno.ESPIPE.negative(), "C"));
    assertThat(e.getMessage()).isEqualTo("C failed: ESPIPE (Illegal seek)");
  }
}
