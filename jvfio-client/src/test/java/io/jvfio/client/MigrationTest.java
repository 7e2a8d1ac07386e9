package io.jvfio.client;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Migration}: probing, states, the data stream and its fd, precopy accounting, errors. */
class MigrationTest {
  private final Emulated emu = new Emulated();
  private Iommufd iommufd;
  private VfioDevice a;
  private VfioDevice b;
  private MemDevice memA;
  private MemDevice memB;
  private MemorySegment buf;

  @BeforeEach
  void open() {
    iommufd = Iommufd.open(emu.p);
    a = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_A), iommufd);
    b = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MEMDEV_B), iommufd);
    memA = emu.memdev(Emulated.MEMDEV_A);
    memB = emu.memdev(Emulated.MEMDEV_B);
    buf = emu.p.memory().map(61 * 1024);
  }

  @AfterEach
  void close() {
    emu.close();
  }

  @Test
  void aDeviceWithoutMigrationHasNone() {
    try (VfioDevice plain = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.PLAIN), iommufd)) {
      assertThat(plain.migration()).isNull();
      assertThat(plain.migration()).isNull();
    }
  }

  @Test
  void memdevHasStopCopyP2pAndPreCopy() {
    Migration m = a.migration();
    assertThat(m).isNotNull().isSameAs(a.migration());
    assertThat(m.device()).isSameAs(a);
    assertThat(m.flags()).isEqualTo(0x7);
    assertThat(m.flags())
        .isEqualTo(
            VfioConstants.VFIO_MIGRATION_STOP_COPY
                | VfioConstants.VFIO_MIGRATION_P2P
                | VfioConstants.VFIO_MIGRATION_PRE_COPY);
    assertThat(m.hasP2P()).isTrue();
    assertThat(m.hasPreCopy()).isTrue();
    assertThat(m.state()).isEqualTo(RUNNING);
    assertThat(m.hasDataStream()).isFalse();
  }

  @Test
  void mttyMigratesToo() {
    try (VfioDevice mtty = VfioDevice.openCdev(emu.p, emu.cdev(Emulated.MTTY), iommufd)) {
      assertThat(mtty.migration().flags()).isEqualTo(0x7);
      mtty.migration().set(STOP);
      assertThat(mtty.migration().state()).isEqualTo(STOP);
    }
  }

  @Test
  void setAndStateRoundTripThroughEveryState() {
    Migration m = a.migration();
    for (MigrationState s :
        List.of(
            RUNNING_P2P,
            STOP,
            STOP_COPY,
            STOP,
            RUNNING,
            PRE_COPY,
            PRE_COPY_P2P,
            STOP_COPY,
            RUNNING,
            RUNNING)) {
      m.set(s);
      assertThat(m.state()).as("after SET %s", s).isEqualTo(s);
      assertThat(memA.state()).isEqualTo(s);
      assertThat(m.hasDataStream())
          .as("data stream in %s", s)
          .isEqualTo(s.inSavingGroup() || s == RESUMING);
    }
  }

  @Test
  void resumingOnlyEndsWithACompleteStream() {
    Migration m = a.migration();
    m.set(RESUMING);
    assertThat(m.state()).isEqualTo(RESUMING);
    assertThat(m.hasDataStream()).isTrue();
    // memdev's RESUMING -> STOP checks the stream: an empty one is refused, the session stays
    VfioException e = catchThrowableOfType(VfioException.class, () -> m.set(STOP));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.getMessage()).endsWith("the device is now in RESUMING");
    assertThat(m.hasDataStream()).isTrue();
    writeStream(a, fullImageOf(b));
    m.set(STOP);
    assertThat(m.state()).isEqualTo(STOP);
    assertThat(m.hasDataStream()).isFalse();
  }

  @Test
  void theClientClosesTheDataFdWhenTheSessionEnds() {
    Migration m = a.migration();
    List<Integer> before = emu.p.openFds();

    m.set(PRE_COPY);
    List<Integer> saving = emu.p.openFds();
    assertThat(saving).hasSize(before.size() + 1);
    int dataFd = newFd(before, saving);
    assertThat(emu.p.describe(dataFd)).startsWith("anon_inode:[vfio-mig] saving");
    // the saving group keeps the one stream
    m.set(PRE_COPY_P2P);
    m.set(STOP_COPY);
    assertThat(emu.p.openFds()).isEqualTo(saving);
    m.set(STOP);
    assertThat(emu.p.openFds()).isEqualTo(before);
    assertThat(m.hasDataStream()).isFalse();

    m.set(RESUMING);
    List<Integer> resuming = emu.p.openFds();
    assertThat(emu.p.describe(newFd(before, resuming)))
        .startsWith("anon_inode:[vfio-mig] resuming");
    // leaving RESUMING for a new saving session swaps the streams, no fd leaks
    writeStream(a, fullImageOf(b));
    m.set(STOP_COPY);
    assertThat(emu.p.openFds()).hasSize(before.size() + 1);
    assertThat(emu.p.describe(newFd(before, emu.p.openFds())))
        .startsWith("anon_inode:[vfio-mig] saving");
    m.set(RUNNING);
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void aSavingStreamIsReadableWhenPollSaysSoAndNoStreamIsNoPoll() {
    Migration m = a.migration();
    assertThatThrownBy(m::readable).isInstanceOf(IllegalStateException.class);
    m.set(STOP_COPY);
    // the emulated memdev's stream has its data at once, as a poll-less driver's VFS answer says
    assertThat(m.readable()).isTrue();
    m.set(STOP);
    assertThatThrownBy(m::readable).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closingTheDeviceClosesItsDataFd() {
    List<Integer> before = emu.p.openFds();
    a.migration().set(PRE_COPY);
    assertThat(emu.p.openFds()).hasSize(before.size() + 1);
    a.close();
    before.remove(Integer.valueOf(a.fd()));
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void aResetEndsTheSessionAndClosesTheFd() {
    List<Integer> before = emu.p.openFds();
    Migration m = a.migration();
    m.set(PRE_COPY);
    a.reset();
    assertThat(m.hasDataStream()).isFalse();
    assertThat(m.state()).isEqualTo(RUNNING);
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void saveAndResumeBetweenTwoMemdevs() {
    memA.fillRandom(7);
    memB.fillRandom(99);
    assertThat(memB.digest()).isNotEqualTo(memA.digest());
    List<Integer> before = emu.p.openFds();
    Migration src = a.migration();
    Migration dst = b.migration();

    src.set(PRE_COPY);
    dst.set(RESUMING);
    long precopy = pump(src, dst, true);
    assertThat(precopy).isGreaterThan(memA.memorySize());

    // the device keeps running: what changes now goes in the stop-copy phase
    for (long off = 0; off < memA.memorySize(); off += 37 * MemDevice.PAGE_SIZE) {
      memA.writeByte(off + 5, (byte) 0x5a);
    }
    src.set(STOP_COPY);
    long stopCopy = pump(src, dst, false);
    assertThat(stopCopy).isPositive();
    dst.set(RUNNING);
    src.set(STOP);

    assertThat(dst.state()).isEqualTo(RUNNING);
    assertThat(memB.digest()).isEqualTo(memA.digest());
    assertThat(src.hasDataStream()).isFalse();
    assertThat(dst.hasDataStream()).isFalse();
    assertThat(emu.p.openFds()).isEqualTo(before);
  }

  @Test
  void aStopCopyOnlySaveIsAsLongAsStopCopySizeSaid() {
    memA.fillRandom(11);
    Migration src = a.migration();
    Migration dst = b.migration();
    src.set(STOP);
    long expected = src.stopCopySize();
    assertThat(expected).isGreaterThan(memA.memorySize());
    src.set(STOP_COPY);
    dst.set(RESUMING);
    assertThat(pump(src, dst, false)).isEqualTo(expected);
    // the end of the stream stays the end
    assertThat(src.read(buf)).isZero();
    dst.set(STOP);
    assertThat(memB.digest()).isEqualTo(memA.digest());
  }

  @Test
  void noDataNowWhenPreCopyHasNothingPending() {
    Migration m = a.migration();
    m.set(PRE_COPY);
    long n;
    long total = 0;
    while ((n = m.read(buf)) > 0) {
      total += n;
    }
    assertThat(n).isEqualTo(Migration.NO_DATA_NOW);
    assertThat(total).isPositive();
    assertThat(m.read(buf)).isEqualTo(Migration.NO_DATA_NOW);
    // a changed page is data again
    memA.writeByte(4096 * 3, (byte) 1);
    assertThat(m.read(buf)).isPositive();
    assertThat(m.read(buf)).isEqualTo(Migration.NO_DATA_NOW);
  }

  @Test
  void precopyInfoCountsDownAndStopCopySizeFollows() {
    memA.fillRandom(3); // written memory: never-written memory goes as a few ZERO records
    Migration m = a.migration();
    long outside = m.stopCopySize();
    assertThat(outside).isGreaterThan(memA.memorySize());
    m.set(PRE_COPY);
    Migration.PrecopyInfo start = m.precopyInfo();
    assertThat(start.initialBytes()).isGreaterThan(memA.memorySize());
    assertThat(start.dirtyBytes()).isZero();
    assertThat(start.reinit()).isFalse();
    assertThat(m.stopCopySize()).isGreaterThanOrEqualTo(start.initialBytes());

    long first = m.read(buf);
    assertThat(m.precopyInfo().initialBytes()).isEqualTo(start.initialBytes() - first);

    while (m.read(buf) > 0) {}
    Migration.PrecopyInfo drained = m.precopyInfo();
    assertThat(drained.initialBytes()).isZero();
    assertThat(drained.dirtyBytes()).isZero();
    long idle = m.stopCopySize();
    assertThat(idle).isLessThan(outside);

    memA.writeByte(0, (byte) 1);
    memA.writeByte(10 * 4096L, (byte) 1);
    Migration.PrecopyInfo dirty = m.precopyInfo();
    assertThat(dirty.initialBytes()).isZero();
    assertThat(dirty.dirtyBytes()).isGreaterThanOrEqualTo(2 * 4096L);
    assertThat(m.stopCopySize()).isEqualTo(idle + dirty.dirtyBytes());
  }

  @Test
  void precopyInfoOutsidePreCopyIsEinval() {
    Migration m = a.migration();
    m.set(STOP_COPY);
    VfioException e = catchThrowableOfType(VfioException.class, m::precopyInfo);
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.call()).isEqualTo("VFIO_MIG_GET_PRECOPY_INFO(" + a.name() + ")");
  }

  @Test
  void aBlockedArcIsEinvalAndSaysWhereTheDeviceIs() {
    Migration m = a.migration();
    m.set(STOP_COPY);
    VfioException e = catchThrowableOfType(VfioException.class, () -> m.set(PRE_COPY));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.call()).isEqualTo("SET MIG_DEVICE_STATE PRE_COPY (" + a.name() + ")");
    assertThat(e.getMessage())
        .isEqualTo(
            "SET MIG_DEVICE_STATE PRE_COPY ("
                + a.name()
                + ") failed: EINVAL (Invalid argument) - the device is now in STOP_COPY");
    // the session survives the refused SET
    assertThat(m.state()).isEqualTo(STOP_COPY);
    assertThat(m.hasDataStream()).isTrue();
    assertThat(m.read(buf)).isPositive();
  }

  @Test
  void theErrorStateIsNotATarget() {
    Migration m = a.migration();
    VfioException e = catchThrowableOfType(VfioException.class, () -> m.set(ERROR));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.getMessage()).endsWith("the device is now in RUNNING");
  }

  @Test
  void aCorruptStreamIsRefusedByTheDestination() {
    Migration dst = b.migration();
    dst.set(RESUMING);
    MemorySegment junk = emu.p.memory().map(4096);
    junk.fill((byte) 0x42);
    VfioException e = catchThrowableOfType(VfioException.class, () -> dst.writeFully(junk));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.call()).isEqualTo("write(data fd of " + b.name() + ")");
  }

  @Test
  void aStreamEndedByTheKernelIsEnodev() {
    Migration m = a.migration();
    m.set(PRE_COPY);
    // a raw VFIO_DEVICE_RESET behind this Migration's back ends the session in the kernel
    int ret = emu.p.ioctl(a.fd(), io.jvfio.uapi.vfio.VfioIoctls.VFIO_DEVICE_RESET, 0L);
    assertThat(ret).isZero();
    VfioException e = catchThrowableOfType(VfioException.class, () -> m.read(buf));
    assertThat(e.errno()).isEqualTo(Errno.ENODEV);
    assertThat(e.call()).isEqualTo("read(data fd of " + a.name() + ")");
  }

  @Test
  void streamCallsWithoutASessionAreProgrammingErrors() {
    Migration m = a.migration();
    assertThatThrownBy(() -> m.read(buf))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no open migration data stream");
    assertThatThrownBy(() -> m.writeFully(buf)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(m::precopyInfo).isInstanceOf(IllegalStateException.class);
  }

  // ---- helpers ----

  /** Moves the saving stream of {@code src} into {@code dst}; PRE_COPY stops at NO_DATA_NOW. */
  private long pump(Migration src, Migration dst, boolean precopy) {
    long total = 0;
    while (true) {
      long n = src.read(buf);
      if (n == Migration.NO_DATA_NOW) {
        assertThat(precopy).as("NO_DATA_NOW outside PRE_COPY").isTrue();
        return total;
      }
      if (n == 0) {
        return total;
      }
      dst.writeFully(buf.asSlice(0, n));
      total += n;
    }
  }

  /** A STOP_COPY image of {@code dev}'s memory, taken with its own session. */
  private byte[] fullImageOf(VfioDevice dev) {
    Migration m = dev.migration();
    m.set(STOP_COPY);
    List<byte[]> parts = new ArrayList<>();
    int size = 0;
    long n;
    while ((n = m.read(buf)) > 0) {
      parts.add(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
      size += (int) n;
    }
    m.set(RUNNING);
    byte[] all = new byte[size];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, off, p.length);
      off += p.length;
    }
    return all;
  }

  private void writeStream(VfioDevice dev, byte[] image) {
    MemorySegment src = emu.p.memory().map(image.length);
    MemorySegment.copy(MemorySegment.ofArray(image), 0, src, 0, image.length);
    dev.migration().writeFully(src);
  }

  private static int newFd(List<Integer> before, List<Integer> after) {
    List<Integer> added = new ArrayList<>(after);
    added.removeAll(before);
    assertThat(added).hasSize(1);
    return added.getFirst();
  }
}
