package io.jvfio.nativebackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongBiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same calls on /dev/null, the one file both the emulator and every Linux machine have, answer
 * the same on both backends. fd numbers differ (the JVM has many files open), so a step that
 * returns one is compared as "an fd" only.
 */
class EmulatorComparisonTest {
  /** How a step's results are compared. */
  private enum Compare {
    EXACT,
    AN_FD,
    ACCESS_MODE // F_GETFL: Linux adds O_LARGEFILE, which the emulator does not model
  }

  /** One call in the sequence; {@code fds} holds the fds earlier steps opened (0: /dev/null). */
  private record Step(
      String name, Compare compare, ToLongBiFunction<Syscalls, List<Integer>> call) {}

  private static final MemorySegment FIVE = MemorySegment.ofArray(new byte[5]);

  private static final List<Step> STEPS =
      List.of(
          new Step("open", Compare.AN_FD, (s, fds) -> keep(fds, s.open("/dev/null", 2))),
          new Step("write", Compare.EXACT, (s, fds) -> s.write(fds.get(0), FIVE)),
          new Step("read", Compare.EXACT, (s, fds) -> s.read(fds.get(0), FIVE)),
          new Step("pwrite", Compare.EXACT, (s, fds) -> s.pwrite(fds.get(0), FIVE, 100)),
          new Step("pread", Compare.EXACT, (s, fds) -> s.pread(fds.get(0), FIVE, 100)),
          new Step("pread -1", Compare.EXACT, (s, fds) -> s.pread(fds.get(0), FIVE, -1)),
          new Step("lseek", Compare.EXACT, (s, fds) -> s.lseek(fds.get(0), 40, PollBits.SEEK_SET)),
          new Step(
              "lseek end", Compare.EXACT, (s, fds) -> s.lseek(fds.get(0), 0, PollBits.SEEK_END)),
          new Step("lseek bad whence", Compare.EXACT, (s, fds) -> s.lseek(fds.get(0), 0, 77)),
          new Step(
              "poll",
              Compare.EXACT,
              (s, fds) -> s.poll(fds.get(0), PollBits.POLLIN | PollBits.POLLOUT)),
          new Step(
              "poll in",
              Compare.EXACT,
              (s, fds) -> s.poll(fds.get(0), PollBits.POLLIN | PollBits.POLLPRI)),
          new Step("F_GETFD", Compare.EXACT, (s, fds) -> s.fcntl(fds.get(0), PollBits.F_GETFD, 0)),
          new Step(
              "F_SETFD",
              Compare.EXACT,
              (s, fds) -> s.fcntl(fds.get(0), PollBits.F_SETFD, PollBits.FD_CLOEXEC)),
          new Step("F_GETFD", Compare.EXACT, (s, fds) -> s.fcntl(fds.get(0), PollBits.F_GETFD, 0)),
          new Step(
              "F_GETFL", Compare.ACCESS_MODE, (s, fds) -> s.fcntl(fds.get(0), PollBits.F_GETFL, 0)),
          new Step(
              "VFIO_GET_API_VERSION",
              Compare.EXACT,
              (s, fds) -> s.ioctl(fds.get(0), VfioIoctls.VFIO_GET_API_VERSION, 0L)),
          new Step(
              "VFIO_CHECK_EXTENSION",
              Compare.EXACT,
              (s, fds) -> s.ioctl(fds.get(0), VfioIoctls.VFIO_CHECK_EXTENSION, FIVE)),
          new Step("dup", Compare.AN_FD, (s, fds) -> keep(fds, s.dup(fds.get(0)))),
          new Step(
              "dup F_GETFD", Compare.EXACT, (s, fds) -> s.fcntl(fds.get(1), PollBits.F_GETFD, 0)),
          new Step("close dup", Compare.EXACT, (s, fds) -> s.close(fds.get(1))),
          new Step("close", Compare.EXACT, (s, fds) -> s.close(fds.get(0))),
          new Step("close again", Compare.EXACT, (s, fds) -> s.close(fds.get(0))),
          new Step("read closed", Compare.EXACT, (s, fds) -> s.read(fds.get(0), FIVE)),
          new Step("poll closed", Compare.EXACT, (s, fds) -> s.poll(fds.get(0), PollBits.POLLIN)),
          new Step("dup -1", Compare.EXACT, (s, fds) -> s.dup(-1)),
          new Step("open missing", Compare.EXACT, (s, fds) -> s.open("/dev/nonexistent", 2)));

  private static long keep(List<Integer> fds, int fd) {
    fds.add(fd);
    return fd;
  }

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(
        Platform.isSupported(), "the native backend runs on Linux (x86-64, arm64, riscv64) only");
  }

  private static List<Long> run(Syscalls s) {
    List<Integer> fds = new ArrayList<>();
    List<Long> results = new ArrayList<>();
    for (Step step : STEPS) {
      results.add(step.call().applyAsLong(s, fds));
    }
    return results;
  }

  @Test
  void devNullAnswersTheSameOnBothBackends() {
    List<Long> real = run(new NativeSyscalls());
    List<Long> emulated;
    try (HostProcess p = new Host(DefaultHost.topology()).process("compare")) {
      emulated = run(p);
    }
    for (int i = 0; i < STEPS.size(); i++) {
      Step step = STEPS.get(i);
      long n = real.get(i);
      long e = emulated.get(i);
      String what = step.name() + ": native " + Errno.describe(n) + " / " + n + ", emulated " + e;
      switch (step.compare()) {
        case EXACT -> assertThat(n).as(what).isEqualTo(e);
        case AN_FD -> {
          assertThat(n).as(what).isGreaterThanOrEqualTo(0);
          assertThat(e).as(what).isGreaterThanOrEqualTo(0);
        }
        case ACCESS_MODE ->
            assertThat(n & OpenFlags.O_ACCMODE).as(what).isEqualTo(e & OpenFlags.O_ACCMODE);
      }
    }
    // the comparison means something: errors and successes both occur
    assertThat(real).contains((long) Errno.ENOTTY.negative(), (long) Errno.EBADF.negative(), 5L);
  }
}
