package io.jvfio.client;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Migration#read} on a device that is not ready (EAGAIN on a non-blocking saving fd): it
 * waits in polls up to the read wait, then fails; a ready device costs no poll at all.
 */
class MigrationReadWaitTest {
  private final Emulated emu = new Emulated();
  private NotReadySyscalls sys;
  private VfioDevice a;
  private MemorySegment buf;

  @BeforeEach
  void open() {
    sys = new NotReadySyscalls(emu.p);
    a = VfioDevice.openCdev(sys, emu.cdev(Emulated.MEMDEV_A), Iommufd.open(emu.p));
    buf = emu.p.memory().map(61 * 1024);
  }

  @AfterEach
  void close() {
    emu.close();
  }

  @Test
  void aSavingFdIsNonBlockingFromItsFirstReadAResumingFdIsNot() {
    Migration m = a.migration();
    List<Integer> before = emu.p.openFds();
    m.set(PRE_COPY);
    assertThat(emu.p.fcntl(newFd(before), PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_RDONLY);
    assertThat(m.read(buf)).isPositive();
    assertThat(emu.p.fcntl(newFd(before), PollBits.F_GETFL, 0))
        .isEqualTo(OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
    m.set(RUNNING);
    // a new saving session starts as the driver made it, until its first read
    m.set(STOP_COPY);
    assertThat(emu.p.fcntl(newFd(before), PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_RDONLY);
    assertThat(m.read(buf)).isPositive();
    assertThat(emu.p.fcntl(newFd(before), PollBits.F_GETFL, 0))
        .isEqualTo(OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
    m.set(STOP);
    m.set(RESUMING);
    assertThat(emu.p.fcntl(newFd(before), PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_WRONLY);
  }

  @Test
  void aReadyStreamIsReadWithoutAnyPoll() {
    Migration m = a.migration();
    m.set(STOP_COPY);
    long total = 0;
    long n;
    while ((n = m.read(buf)) > 0) {
      total += n;
    }
    assertThat(n).isZero();
    assertThat(total).isPositive();
    assertThat(sys.polls).as("polls for a device whose reads never wait").isZero();
  }

  @Test
  void aDeviceThatGetsReadyLaterIsWaitedFor() {
    Migration m = a.migration();
    m.set(STOP_COPY);
    // the first read finds nothing, three polls see nothing, the read after them does; a
    // read after a POLLIN may still find nothing (another reader, or a spurious wake-up)
    sys.notReadyFor(2, 3);
    long first = m.read(buf);
    assertThat(first).isPositive();
    assertThat(sys.polls).isEqualTo(5);
  }

  @Test
  void aDeviceThatNeverGetsReadyFailsWithEtimedoutNamingTheDeviceAndTheWait() {
    Migration m = a.migration();
    m.setReadWait(Duration.ofMillis(30));
    m.set(STOP_COPY);
    sys.notReadyFor(NotReadySyscalls.FOREVER, NotReadySyscalls.FOREVER);
    VfioException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> catchThrowableOfType(VfioException.class, () -> m.read(buf)));
    assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT);
    assertThat(e.getMessage())
        .contains("read(data fd of " + emu.cdev(Emulated.MEMDEV_A) + ")")
        .contains("read wait of 30 ms");
    // the session is intact: the device can leave it as after any failed read
    sys.notReadyFor(0, 0);
    m.set(RUNNING);
    assertThat(m.hasDataStream()).isFalse();
  }

  @Test
  void theReadWaitIsPositive() {
    Migration m = a.migration();
    assertThatThrownBy(() -> m.setReadWait(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.setReadWait(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private int newFd(List<Integer> before) {
    List<Integer> added = new ArrayList<>(emu.p.openFds());
    added.removeAll(before);
    assertThat(added).hasSize(1);
    return added.getFirst();
  }
}
