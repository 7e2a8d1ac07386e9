package io.jvfio.nativebackend;

import static io.jvfio.uapi.PollBits.FD_CLOEXEC;
import static io.jvfio.uapi.PollBits.F_GETFD;
import static io.jvfio.uapi.PollBits.F_GETFL;
import static io.jvfio.uapi.PollBits.F_SETFD;
import static io.jvfio.uapi.PollBits.F_SETFL;
import static io.jvfio.uapi.PollBits.POLLHUP;
import static io.jvfio.uapi.PollBits.POLLIN;
import static io.jvfio.uapi.PollBits.POLLNVAL;
import static io.jvfio.uapi.PollBits.POLLOUT;
import static io.jvfio.uapi.PollBits.SEEK_CUR;
import static io.jvfio.uapi.PollBits.SEEK_END;
import static io.jvfio.uapi.PollBits.SEEK_SET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NativeSyscalls against the real kernel, on files every Linux machine has. */
class NativeSyscallsTest {
  // FIONREAD (TIOCINQ): the bytes waiting in a pipe, written into the int the argument points to
  private static final long FIONREAD = 0x541B;
  private static final int RDWR = OpenFlags.O_RDWR;

  private NativeSyscalls sys;
  private final List<Integer> opened = new ArrayList<>();
  @TempDir Path dir;

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(
        Platform.isSupported(), "the native backend runs on Linux (x86-64, arm64, riscv64) only");
  }

  @BeforeEach
  void setUp() {
    sys = new NativeSyscalls();
  }

  @AfterEach
  void closeAll() {
    for (int fd : opened) {
      sys.close(fd); // EBADF for the ones a test closed itself
    }
  }

  private int track(int fd) {
    assertThat(fd).as("an fd").isGreaterThanOrEqualTo(0);
    opened.add(fd);
    return fd;
  }

  private Pipes.Pipe pipe() {
    Pipes.Pipe p = Pipes.open(OpenFlags.O_CLOEXEC);
    track(p.readFd());
    track(p.writeFd());
    return p;
  }

  private static MemorySegment bytes(String s) {
    return MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static String text(MemorySegment s, long n) {
    return new String(s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
  }

  private int tempFile(String content) throws IOException {
    Path f = dir.resolve("data");
    Files.writeString(f, content, StandardCharsets.US_ASCII);
    return track(sys.open(f.toString(), RDWR));
  }

  // ---- open ----

  @Test
  void openAnswersTheKernelsErrno() {
    assertThat(sys.open(dir.resolve("missing").toString(), RDWR))
        .isEqualTo(Errno.ENOENT.negative());
    assertThat(sys.open(dir.toString(), OpenFlags.O_WRONLY)).isEqualTo(Errno.EISDIR.negative());
    assertThat(sys.open(null, RDWR)).isEqualTo(Errno.EFAULT.negative());
    assertThatThrownBy(() -> sys.open("/dev/null\0/etc/passwd", RDWR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }

  @Test
  void openHonoursCloseOnExecAndTheAccessMode() {
    int plain = track(sys.open("/dev/null", OpenFlags.O_RDONLY));
    int cloexec = track(sys.open("/dev/null", RDWR | OpenFlags.O_CLOEXEC));
    assertThat(sys.fcntl(plain, F_GETFD, 0)).isZero();
    assertThat(sys.fcntl(cloexec, F_GETFD, 0)).isEqualTo(FD_CLOEXEC);
    assertThat(sys.fcntl(plain, F_GETFL, 0) & OpenFlags.O_ACCMODE).isEqualTo(OpenFlags.O_RDONLY);
    assertThat(sys.fcntl(cloexec, F_GETFL, 0) & OpenFlags.O_ACCMODE).isEqualTo(RDWR);
    // a read-only fd cannot be written
    assertThat(sys.write(plain, bytes("x"))).isEqualTo(Errno.EBADF.negative());
  }

  // ---- read, write, offsets ----

  @Test
  void readsAreShortAtEndOfFileAndZeroAfterIt() throws IOException {
    int fd = tempFile("hello world");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(8);
      assertThat(sys.read(fd, buf)).isEqualTo(8);
      assertThat(text(buf, 8)).isEqualTo("hello wo");
      assertThat(sys.read(fd, buf)).isEqualTo(3);
      assertThat(text(buf, 3)).isEqualTo("rld");
      assertThat(sys.read(fd, buf)).isZero();
    }
  }

  @Test
  void preadAndPwriteUseTheirOffsetAndLeaveTheFilesOwn() throws IOException {
    int fd = tempFile("hello world");
    byte[] five = new byte[5];
    assertThat(sys.lseek(fd, 2, SEEK_SET)).isEqualTo(2);
    assertThat(sys.pread(fd, MemorySegment.ofArray(five), 6)).isEqualTo(5);
    assertThat(new String(five, StandardCharsets.US_ASCII)).isEqualTo("world");
    assertThat(sys.pwrite(fd, bytes("J"), 0)).isEqualTo(1);
    assertThat(sys.lseek(fd, 0, SEEK_CUR)).as("the offset pread/pwrite left alone").isEqualTo(2);
    assertThat(sys.pread(fd, MemorySegment.ofArray(five), 0)).isEqualTo(5);
    assertThat(new String(five, StandardCharsets.US_ASCII)).isEqualTo("Jello");
    assertThat(sys.pread(fd, MemorySegment.ofArray(five), 9)).as("short at EOF").isEqualTo(2);
    assertThat(sys.pread(fd, MemorySegment.ofArray(five), 11)).isZero();
    assertThat(sys.pread(fd, MemorySegment.ofArray(five), -1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(sys.lseek(fd, 0, SEEK_END)).isEqualTo(11);
    assertThat(sys.lseek(fd, 0, 99)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void dupSharesTheOffset() throws IOException {
    int fd = tempFile("abcdef");
    int copy = track(sys.dup(fd));
    assertThat(copy).isNotEqualTo(fd);
    byte[] two = new byte[2];
    assertThat(sys.read(fd, MemorySegment.ofArray(two))).isEqualTo(2);
    assertThat(sys.read(copy, MemorySegment.ofArray(two))).isEqualTo(2);
    assertThat(new String(two, StandardCharsets.US_ASCII)).isEqualTo("cd");
    assertThat(sys.lseek(fd, 0, SEEK_CUR)).isEqualTo(4);
    // the copy has its own FD_CLOEXEC: dup clears it
    assertThat(sys.fcntl(copy, F_GETFD, 0)).isZero();
  }

  @Test
  void aSeededProgramOfPositionedCallsMatchesAByteArray() throws IOException {
    Random random = new Random(11);
    int fd = tempFile("");
    byte[] model = new byte[0];
    for (int i = 0; i < 200; i++) {
      long offset = random.nextInt(300);
      byte[] data = new byte[random.nextInt(64)];
      if (random.nextBoolean()) {
        random.nextBytes(data);
        assertThat(sys.pwrite(fd, MemorySegment.ofArray(data), offset)).isEqualTo(data.length);
        int end = (int) offset + data.length;
        if (end > model.length) {
          model = Arrays.copyOf(model, end);
        }
        System.arraycopy(data, 0, model, (int) offset, data.length);
      } else {
        long expected = Math.max(0, Math.min(data.length, model.length - offset));
        assertThat(sys.pread(fd, MemorySegment.ofArray(data), offset)).isEqualTo(expected);
        if (expected > 0) {
          assertThat(Arrays.copyOf(data, (int) expected))
              .isEqualTo(Arrays.copyOfRange(model, (int) offset, (int) (offset + expected)));
        }
      }
    }
    assertThat(sys.lseek(fd, 0, SEEK_END)).isEqualTo(model.length);
  }

  // ---- closed and bad fds ----

  @Test
  void aClosedFdAndMinusOneAreEbadf() {
    int fd = sys.open("/dev/null", RDWR);
    assertThat(fd).isGreaterThanOrEqualTo(0);
    assertThat(sys.close(fd)).isZero();
    byte[] one = new byte[1];
    for (int bad : new int[] {fd, -1}) {
      assertThat(sys.close(bad)).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.read(bad, MemorySegment.ofArray(one))).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.write(bad, MemorySegment.ofArray(one))).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.dup(bad)).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.lseek(bad, 0, SEEK_SET)).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.fcntl(bad, F_GETFD, 0)).isEqualTo(Errno.EBADF.negative());
      assertThat(sys.ioctl(bad, VfioIoctls.VFIO_GET_API_VERSION, 0L))
          .isEqualTo(Errno.EBADF.negative());
      assertThat(sys.poll(bad, POLLIN)).isEqualTo(POLLNVAL);
    }
  }

  // ---- pipes: streams, poll ----

  @Test
  void aPipeCannotSeek() {
    Pipes.Pipe p = pipe();
    byte[] one = new byte[1];
    assertThat(sys.lseek(p.readFd(), 0, SEEK_SET)).isEqualTo(Errno.ESPIPE.negative());
    assertThat(sys.pread(p.readFd(), MemorySegment.ofArray(one), 0))
        .isEqualTo(Errno.ESPIPE.negative());
    assertThat(sys.pwrite(p.writeFd(), MemorySegment.ofArray(one), 0))
        .isEqualTo(Errno.ESPIPE.negative());
  }

  @Test
  void pollSeesDataThenTheWriterGone() {
    Pipes.Pipe p = pipe();
    assertThat(sys.poll(p.readFd(), POLLIN)).as("empty").isZero();
    assertThat(sys.poll(p.writeFd(), POLLOUT)).isEqualTo(POLLOUT);
    assertThat(sys.write(p.writeFd(), bytes("abc"))).isEqualTo(3);
    assertThat(sys.poll(p.readFd(), POLLIN)).isEqualTo(POLLIN);
    assertThat(sys.close(p.writeFd())).isZero();
    assertThat(sys.poll(p.readFd(), POLLIN)).isEqualTo(POLLIN | POLLHUP);
    byte[] buf = new byte[8];
    assertThat(sys.read(p.readFd(), MemorySegment.ofArray(buf))).isEqualTo(3);
    assertThat(sys.poll(p.readFd(), POLLIN)).as("drained, no writer").isEqualTo(POLLHUP);
    assertThat(sys.read(p.readFd(), MemorySegment.ofArray(buf))).as("EOF").isZero();
    assertThat(sys.poll(p.writeFd(), POLLOUT)).as("closed").isEqualTo(POLLNVAL);
  }

  @Test
  void fcntlSetsAndClearsCloseOnExec() {
    Pipes.Pipe p = pipe();
    assertThat(sys.fcntl(p.readFd(), F_GETFD, 0)).isEqualTo(FD_CLOEXEC);
    assertThat(sys.fcntl(p.readFd(), F_SETFD, 0)).isZero();
    assertThat(sys.fcntl(p.readFd(), F_GETFD, 0)).isZero();
    assertThat(sys.fcntl(p.readFd(), F_SETFD, FD_CLOEXEC)).isZero();
    assertThat(sys.fcntl(p.readFd(), F_GETFD, 0)).isEqualTo(FD_CLOEXEC);
    assertThat(sys.fcntl(p.readFd(), F_GETFL, 0) & OpenFlags.O_ACCMODE)
        .isEqualTo(OpenFlags.O_RDONLY);
    assertThat(sys.fcntl(p.writeFd(), F_GETFL, 0) & OpenFlags.O_ACCMODE)
        .isEqualTo(OpenFlags.O_WRONLY);
    assertThat(sys.fcntl(p.readFd(), 1030 /* F_DUPFD_CLOEXEC */, 0))
        .as("outside the boundary")
        .isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void fSetflMakesAnEmptyPipeAnswerEagainInsteadOfWaiting() {
    Pipes.Pipe p = pipe();
    int fl = sys.fcntl(p.readFd(), F_GETFL, 0);
    assertThat(fl & OpenFlags.O_NONBLOCK).isZero();
    assertThat(sys.fcntl(p.readFd(), F_SETFL, fl | OpenFlags.O_NONBLOCK)).isZero();
    assertThat(sys.fcntl(p.readFd(), F_GETFL, 0) & OpenFlags.O_NONBLOCK)
        .isEqualTo(OpenFlags.O_NONBLOCK);
    byte[] buf = new byte[8];
    assertThat(sys.read(p.readFd(), MemorySegment.ofArray(buf)))
        .as("no data, a writer still open: a blocking read would wait here")
        .isEqualTo(Errno.EAGAIN.negative());
  }

  // ---- ioctl ----

  @Test
  void aVfioIoctlOnAFileThatIsNotVfioIsEnotty() {
    Pipes.Pipe p = pipe();
    int nul = track(sys.open("/dev/null", RDWR));
    for (int fd : new int[] {nul, p.readFd(), p.writeFd()}) {
      assertThat(sys.ioctl(fd, VfioIoctls.VFIO_GET_API_VERSION, 0L))
          .isEqualTo(Errno.ENOTTY.negative());
      assertThat(sys.ioctl(fd, VfioIoctls.VFIO_GET_API_VERSION, (MemorySegment) null))
          .isEqualTo(Errno.ENOTTY.negative());
    }
  }

  @Test
  void anIoctlWritesBackIntoAHeapSegment() {
    Pipes.Pipe p = pipe();
    assertThat(sys.write(p.writeFd(), bytes("seven!!"))).isEqualTo(7);
    int[] count = {-1};
    assertThat(sys.ioctl(p.readFd(), FIONREAD, MemorySegment.ofArray(count))).isZero();
    assertThat(count[0]).isEqualTo(7);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment nativeCount = arena.allocate(ValueLayout.JAVA_INT);
      assertThat(sys.ioctl(p.readFd(), FIONREAD, nativeCount)).isZero();
      assertThat(nativeCount.get(ValueLayout.JAVA_INT, 0)).isEqualTo(7);
      // the integer form with a real address: the kernel writes there too
      nativeCount.set(ValueLayout.JAVA_INT, 0, -1);
      assertThat(sys.ioctl(p.readFd(), FIONREAD, nativeCount.address())).isZero();
      assertThat(nativeCount.get(ValueLayout.JAVA_INT, 0)).isEqualTo(7);
    }
    int[] ro = {-1};
    assertThat(sys.ioctl(p.readFd(), FIONREAD, MemorySegment.ofArray(ro).asReadOnly()))
        .as("the kernel wrote into a read-only segment")
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(ro[0]).isEqualTo(-1);
  }

  // ---- buffers ----

  @Test
  void heapBuffersRoundTripThroughAPipe() {
    Pipes.Pipe p = pipe();
    byte[] out = new byte[100_000];
    new Random(3).nextBytes(out);
    assertThat(sys.write(p.writeFd(), MemorySegment.ofArray(out).asSlice(10, 5000)))
        .isEqualTo(5000);
    byte[] in = new byte[8000];
    assertThat(sys.read(p.readFd(), MemorySegment.ofArray(in).asSlice(100))).isEqualTo(5000);
    assertThat(Arrays.copyOfRange(in, 100, 5100)).isEqualTo(Arrays.copyOfRange(out, 10, 5010));
    assertThat(in[99]).isZero();
    assertThat(in[5100]).isZero();
  }

  @Test
  void aBufferTheCallerCannotUseIsEfaultAndConsumesNothing() {
    Pipes.Pipe p = pipe();
    assertThat(sys.write(p.writeFd(), bytes("xyz"))).isEqualTo(3);
    Arena closed = Arena.ofConfined();
    MemorySegment dead = closed.allocate(8);
    closed.close();
    assertThat(sys.read(p.readFd(), dead)).isEqualTo(Errno.EFAULT.negative());
    assertThat(sys.write(p.writeFd(), dead)).isEqualTo(Errno.EFAULT.negative());
    assertThat(sys.read(p.readFd(), null)).isEqualTo(Errno.EFAULT.negative());
    assertThat(sys.ioctl(p.readFd(), FIONREAD, dead)).isEqualTo(Errno.EFAULT.negative());
    byte[] buf = new byte[8];
    assertThat(sys.read(p.readFd(), MemorySegment.ofArray(buf).asReadOnly()))
        .as("a read into a read-only segment")
        .isEqualTo(Errno.EFAULT.negative());
    // the rejected calls left the pipe as it was, but the read-only one had consumed its bytes
    assertThat(sys.poll(p.readFd(), POLLIN)).isZero();
  }
}
