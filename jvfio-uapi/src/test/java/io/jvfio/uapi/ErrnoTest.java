package io.jvfio.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ErrnoTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "EPERM, 1",
    "ENOENT, 2",
    "E2BIG, 7",
    "EBADF, 9",
    "EFAULT, 14",
    "EBUSY, 16",
    "EEXIST, 17",
    "ENODEV, 19",
    "EINVAL, 22",
    "ENOTTY, 25",
    "ENOSPC, 28",
    "EOVERFLOW, 75",
    "EBADFD, 77",
    "EMSGSIZE, 90",
    "EOPNOTSUPP, 95",
    "EADDRINUSE, 98"
  })
  void linuxNumbers(Errno errno, int number) {
    assertThat(errno.number()).isEqualTo(number);
    assertThat(errno.negative()).isEqualTo(-number);
  }

  @ParameterizedTest
  @EnumSource(Errno.class)
  void ofRoundTripsPositiveAndNegative(Errno errno) {
    assertThat(errno.number()).isPositive();
    assertThat(errno.negative()).isEqualTo(-errno.number());
    assertThat(Errno.of(errno.number())).contains(errno);
    assertThat(Errno.of(errno.negative())).contains(errno);
    assertThat(Errno.of((long) errno.negative())).contains(errno);
  }

  @Test
  void numbersAreUnique() {
    Set<Integer> seen = new HashSet<>();
    Arrays.stream(Errno.values())
        .forEach(e -> assertThat(seen.add(e.number())).as(e.name()).isTrue());
  }

  @Test
  void unknownNumbersAreEmpty() {
    assertThat(Errno.of(0)).isEmpty();
    assertThat(Errno.of(4095)).isEmpty();
    assertThat(Errno.of(-4095)).isEmpty();
  }

  @Test
  void describe() {
    assertThat(Errno.describe(22)).isEqualTo("EINVAL (Invalid argument)");
    assertThat(Errno.describe(-22)).isEqualTo("EINVAL (Invalid argument)");
    assertThat(Errno.describe(Errno.ENOTTY.negative()))
        .isEqualTo("ENOTTY (Inappropriate ioctl for device)");
    assertThat(Errno.describe(-EBADFD_NUMBER)).isEqualTo("EBADFD (File descriptor in bad state)");
    assertThat(Errno.describe(999)).isEqualTo("errno 999");
    assertThat(Errno.describe(-999)).isEqualTo("errno 999");
    for (Errno e : Errno.values()) {
      assertThat(Errno.describe(e.negative()))
          .isEqualTo(e.name() + " (" + e.description() + ")")
          .startsWith(e.name());
      assertThat(e.description()).isNotBlank();
    }
  }

  private static final int EBADFD_NUMBER = 77;
}
