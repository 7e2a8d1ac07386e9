package io.jvfio.nativebackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Threads failing with different errnos at once each read their own: the captured errno is per
 * thread, never another call's.
 */
class ErrnoPerThreadTest {
  private static final int ROUNDS = 20_000;

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(
        Platform.isSupported(), "the native backend runs on Linux (x86-64, arm64, riscv64) only");
  }

  private record Caller(String name, Errno expected, IntSupplier call) {}

  @Test
  void concurrentFailuresKeepTheirOwnErrno() throws Exception {
    NativeSyscalls sys = new NativeSyscalls();
    int nul = sys.open("/dev/null", OpenFlags.O_RDWR);
    Pipes.Pipe pipe = Pipes.open(OpenFlags.O_CLOEXEC);
    List<Caller> callers =
        List.of(
            new Caller("close(-1)", Errno.EBADF, () -> sys.close(-1)),
            new Caller("open missing", Errno.ENOENT, () -> sys.open("/nonexistent/jvfio", 0)),
            new Caller(
                "VFIO ioctl on /dev/null",
                Errno.ENOTTY,
                () -> sys.ioctl(nul, VfioIoctls.VFIO_GET_API_VERSION, 0L)),
            new Caller(
                "lseek on a pipe",
                Errno.ESPIPE,
                () -> (int) sys.lseek(pipe.readFd(), 0, PollBits.SEEK_SET)));
    CyclicBarrier start = new CyclicBarrier(callers.size());
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    try {
      for (Caller c : callers) {
        threads.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    wrong.add(c.name() + ": " + e);
                    return;
                  }
                  for (int i = 0; i < ROUNDS; i++) {
                    int r = c.call().getAsInt();
                    if (r != c.expected().negative()) {
                      wrong.add(c.name() + " answered " + Errno.describe(r) + " in round " + i);
                      return;
                    }
                  }
                }));
      }
      for (Thread t : threads) {
        t.join();
      }
    } finally {
      sys.close(nul);
      sys.close(pipe.readFd());
      sys.close(pipe.writeFd());
    }
    assertThat(wrong).isEmpty();
  }
}
