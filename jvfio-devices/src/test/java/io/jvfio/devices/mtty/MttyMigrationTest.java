package io.jvfio.devices.mtty;

import static io.jvfio.devices.mtty.MttyTestData.read;
import static io.jvfio.devices.mtty.MttyTestData.readAll;
import static io.jvfio.devices.mtty.MttyTestData.write;
import static io.jvfio.devices.mtty.MttyTestData.writeInPieces;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MttyDevice's migration driver, driven arc by arc in the order the core calls them. */
class MttyMigrationTest {
  private static final byte[] HEADER_1 = header(1);
  private static final byte[] HEADER_2 = header(2);

  private static byte[] header(int ports) {
    return ByteBuffer.allocate(24)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(0x7e9d09898c3e2c4eL)
        .putInt(1)
        .putInt(0)
        .putInt(ports)
        .putInt(0)
        .array();
  }

  /** A device whose ports hold some traffic, so that images are not mostly zero. */
  private static MttyDevice busy(int ports, long seed) {
    MttyDevice d = new MttyDevice(ports);
    MttyTestData.run(d, MttyTestData.randomScript(seed, ports, 200));
    return d;
  }

  /** RUNNING -> RUNNING_P2P -> STOP, as the core walks a 0x7 device from RUNNING to STOP. */
  private static void stop(MigrationDriver m) {
    assertThat(m.arc(RUNNING, RUNNING_P2P)).isNull();
    assertThat(m.arc(RUNNING_P2P, STOP)).isNull();
  }

  private static SavingStream stopCopy(MttyDevice d) {
    MigrationDriver m = d.migration();
    stop(m);
    return (SavingStream) m.arc(STOP, STOP_COPY);
  }

  private static ResumingStream resuming(MttyDevice d) {
    MigrationDriver m = d.migration();
    stop(m);
    return (ResumingStream) m.arc(STOP, RESUMING);
  }

  private static void assertErrno(ThrowingCallable call, Errno errno) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.errno()).isEqualTo(errno));
  }

  @Test
  void theDeviceIsMttyWithFlags7KeepsStateAcrossCloseAndLogsNothing() {
    MttyDevice d = new MttyDevice(2);
    assertThat(d.name()).isEqualTo("mtty");
    assertThat(d.migration().migrationFlags()).isEqualTo(0x7);
    assertThat(d.migration().keepsStateAcrossClose()).isTrue();
    DmaLogging log = d.dmaLogging();
    assertThat(log).isNotNull();
    assertThat(log.start(List.of(new DmaLogging.Range(0x10000, 0x4000)), 4096)).isEqualTo(4096);
    assertThat(log.start(List.of(new DmaLogging.Range(0, 1L << 30)), 1L << 21)).isEqualTo(1L << 21);
    long[] reported = {0};
    log.report(0, 1L << 30, 4096, page -> reported[0]++);
    log.stop();
    assertThat(reported[0]).isZero();
    // No device features of its own (the sample has no device_feature op).
    assertErrno(() -> d.deviceFeature(3, 0, MemorySegment.NULL), Errno.ENOTTY);
  }

  @Test
  void constructorsMakeOneOrTwoPorts() {
    assertThat(new MttyDevice().portCount()).isEqualTo(1);
    assertThat(new MttyDevice(1).portCount()).isEqualTo(1);
    assertThat(new MttyDevice(2).portCount()).isEqualTo(2);
    assertThatThrownBy(() -> new MttyDevice(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MttyDevice(3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void imageSizeIs60Or96InEveryState() {
    for (int ports = 1; ports <= 2; ports++) {
      MttyDevice d = busy(ports, ports);
      MigrationDriver m = d.migration();
      long expected = ports == 1 ? 60 : 96;
      assertThat(m.stopCopyLength()).isEqualTo(expected);
      SavingStream pre = (SavingStream) m.arc(RUNNING, PRE_COPY);
      assertThat(m.stopCopyLength()).isEqualTo(expected);
      m.arc(PRE_COPY, PRE_COPY_P2P);
      m.arc(PRE_COPY_P2P, STOP_COPY);
      assertThat(m.stopCopyLength()).isEqualTo(expected);
      assertThat(readAll(pre, 64)).hasSize((int) expected);
      m.arc(STOP_COPY, STOP);
      pre.close();
      ResumingStream r = (ResumingStream) m.arc(STOP, RESUMING);
      assertThat(m.stopCopyLength()).isEqualTo(expected);
      r.close();
    }
  }

  @Test
  void preCopyStreamHoldsOnlyTheHeaderThenReadsZero() {
    MttyDevice d = busy(2, 7);
    SavingStream s = (SavingStream) d.migration().arc(RUNNING, PRE_COPY);
    assertThat(s).isNotNull();
    assertThat(s.readable()).isTrue();
    assertThat(readAll(s, 5)).containsExactly(HEADER_2);
    assertThat(read(s, 100)).isEmpty();
    assertThat(read(s, 100)).isEmpty();
    assertThat(s.readable()).isTrue();
  }

  @Test
  void preCopyP2pFromRunningP2pHoldsTheHeaderToo() {
    MttyDevice d = busy(1, 8);
    MigrationDriver m = d.migration();
    assertThat(m.arc(RUNNING, RUNNING_P2P)).isNull();
    SavingStream s = (SavingStream) m.arc(RUNNING_P2P, PRE_COPY_P2P);
    assertThat(readAll(s, 24)).containsExactly(HEADER_1);
  }

  @Test
  void precopyInfoCountsTheUnreadInitialBytesAndNoDirtyBytes() {
    MttyDevice d = new MttyDevice(1);
    SavingStream s = (SavingStream) d.migration().arc(RUNNING, PRE_COPY);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(24, 0));
    assertThat(read(s, 1)).hasSize(1);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(23, 0));
    assertThat(read(s, 20)).hasSize(20);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(3, 0));
    assertThat(read(s, 20)).hasSize(3);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));
    assertThat(s.precopyInfo().reinit()).isFalse();
    // Traffic in PRE_COPY makes nothing dirty: mtty captures the ports only at STOP_COPY.
    d.port(0).transmit("more".getBytes());
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void stopCopyFromStopStreamsTheFullImage(int ports) {
    MttyDevice d = busy(ports, 11 + ports);
    byte[] expected = d.image();
    SavingStream s = stopCopy(d);
    assertThat(s).isNotNull();
    byte[] got = readAll(s, 7);
    assertThat(got).hasSize(ports == 1 ? 60 : 96).containsExactly(expected);
    assertThat(Arrays.copyOf(got, 24)).containsExactly(ports == 1 ? HEADER_1 : HEADER_2);
    for (int i = 0; i < ports; i++) {
      assertThat(Arrays.copyOfRange(got, 24 + 36 * i, 60 + 36 * i))
          .containsExactly(d.port(i).record());
    }
    assertThat(read(s, 10)).isEmpty();
  }

  @Test
  void stopCopySnapshotIsTakenAtTheArc() {
    MttyDevice d = new MttyDevice(1);
    d.port(0).transmit("abc".getBytes());
    byte[] atArc = d.image();
    SavingStream s = stopCopy(d);
    d.port(0).transmit("def".getBytes());
    assertThat(readAll(s, 100)).containsExactly(atArc);
  }

  @Test
  void preCopyP2pToStopCopyAppendsThePortsToTheOpenStream() {
    MttyDevice d = new MttyDevice(2);
    MigrationDriver m = d.migration();
    d.port(0).transmit("before".getBytes());
    SavingStream s = (SavingStream) m.arc(RUNNING, PRE_COPY);
    assertThat(read(s, 10)).hasSize(10);
    // The device still runs in PRE_COPY: this traffic belongs in the image.
    d.port(1).transmit("during".getBytes());
    assertThat(m.arc(PRE_COPY, PRE_COPY_P2P)).isNull();
    assertThat(m.arc(PRE_COPY_P2P, STOP_COPY)).isNull();
    byte[] expected = d.image();
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(96 - 10, 0));
    byte[] rest = readAll(s, 13);
    assertThat(rest).containsExactly(Arrays.copyOfRange(expected, 10, 96));
    assertThat(read(s, 1)).isEmpty();
  }

  @Test
  void preCopyP2pRoundTripKeepsTheSession() {
    MttyDevice d = new MttyDevice(1);
    MigrationDriver m = d.migration();
    SavingStream s = (SavingStream) m.arc(RUNNING, PRE_COPY);
    assertThat(m.arc(PRE_COPY, PRE_COPY_P2P)).isNull();
    assertThat(m.arc(PRE_COPY_P2P, PRE_COPY)).isNull();
    assertThat(readAll(s, 64)).containsExactly(HEADER_1);
    assertThat(m.arc(PRE_COPY, PRE_COPY_P2P)).isNull();
    assertThat(m.arc(PRE_COPY_P2P, STOP_COPY)).isNull();
    assertThat(readAll(s, 64)).containsExactly(Arrays.copyOfRange(d.image(), 24, 60));
  }

  @Test
  void leavingTheSavingGroupEndsTheSession() {
    MttyDevice d = new MttyDevice(1);
    MigrationDriver m = d.migration();

    SavingStream pre = (SavingStream) m.arc(RUNNING, PRE_COPY);
    assertThat(m.arc(PRE_COPY, RUNNING)).isNull();
    assertErrno(() -> read(pre, 4), Errno.ENODEV);
    assertErrno(pre::precopyInfo, Errno.ENODEV);
    pre.close(); // what the core does next; harmless twice

    m.arc(RUNNING, RUNNING_P2P);
    SavingStream p2p = (SavingStream) m.arc(RUNNING_P2P, PRE_COPY_P2P);
    assertThat(m.arc(PRE_COPY_P2P, RUNNING_P2P)).isNull();
    assertErrno(() -> read(p2p, 4), Errno.ENODEV);

    m.arc(RUNNING_P2P, STOP);
    SavingStream copy = (SavingStream) m.arc(STOP, STOP_COPY);
    assertThat(read(copy, 4)).hasSize(4);
    assertThat(m.arc(STOP_COPY, STOP)).isNull();
    assertErrno(() -> read(copy, 4), Errno.ENODEV);

    SavingStream again = (SavingStream) m.arc(STOP, STOP_COPY);
    assertThat(again).isNotSameAs(copy);
    assertThat(readAll(again, 64)).containsExactly(d.image());
  }

  @Test
  void aSessionClosedByTheCoreReadsEnodev() {
    MttyDevice d = new MttyDevice(1);
    SavingStream s = stopCopy(d);
    s.close();
    assertErrno(() -> read(s, 4), Errno.ENODEV);
    ResumingStream r = resuming(new MttyDevice(1));
    r.close();
    assertErrno(() -> write(r, new byte[4], 0, 4), Errno.ENODEV);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void resumeRoundTripBetweenTwoDevices(int ports) {
    for (long seed = 1; seed <= 20; seed++) {
      MttyDevice src = busy(ports, 100 * ports + seed);
      MttyDevice dst = new MttyDevice(ports);
      byte[] image = readAll(stopCopy(src), 1 + (int) seed % 9);

      ResumingStream r = resuming(dst);
      assertThat(r).isNotNull();
      writeInPieces(r, image, seed);
      assertThat(dst.migration().arc(RESUMING, STOP)).isNull();
      r.close();

      assertThat(dst.portStates()).isEqualTo(src.portStates());
      assertThat(dst.image()).containsExactly(image);
      // And the destination carries on from there, as Linux's does.
      dst.migration().arc(STOP, RUNNING_P2P);
      dst.migration().arc(RUNNING_P2P, RUNNING);
      src.port(0).transmit((byte) seed);
      dst.port(0).transmit((byte) seed);
      assertThat(dst.portStates()).isEqualTo(src.portStates());
    }
  }

  @Test
  void resumingEndsItsSessionAtStop() {
    MttyDevice dst = new MttyDevice(1);
    ResumingStream r = resuming(dst);
    write(r, new MttyDevice(1).image(), 0, 60);
    dst.migration().arc(RESUMING, STOP);
    assertErrno(() -> write(r, new byte[1], 0, 1), Errno.ENODEV);
  }

  @Test
  void anOverlongWriteIsEnomemAndConsumesNothing() {
    MttyDevice src = busy(1, 3);
    byte[] image = src.image();
    byte[] tooLong = Arrays.copyOf(image, 61);
    MttyDevice dst = new MttyDevice(1);
    ResumingStream r = resuming(dst);
    assertErrno(() -> write(r, tooLong, 0, 61), Errno.ENOMEM);
    assertThat(write(r, image, 0, 30)).isEqualTo(30);
    assertErrno(() -> write(r, tooLong, 30, 61), Errno.ENOMEM);
    assertThat(write(r, image, 30, 60)).isEqualTo(30);
    assertErrno(() -> write(r, tooLong, 60, 61), Errno.ENOMEM);
    assertThat(write(r, image, 60, 60)).isZero();
    assertThat(dst.migration().arc(RESUMING, STOP)).isNull();
    assertThat(dst.portStates()).isEqualTo(src.portStates());
  }

  @Test
  void theTwoPortLimitIs96() {
    ResumingStream r = resuming(new MttyDevice(2));
    assertErrno(() -> write(r, new byte[97], 0, 97), Errno.ENOMEM);
    assertThat(write(r, new MttyDevice(2).image(), 0, 96)).isEqualTo(96);
  }

  @Test
  void aBadHeaderIsEfaultButItsBytesAreCounted() {
    MttyDevice src = busy(1, 5);
    byte[] image = src.image();
    image[0] ^= (byte) 0xff;
    MttyDevice dst = new MttyDevice(1);
    ResumingStream r = resuming(dst);
    assertThat(write(r, image, 0, 10)).isEqualTo(10);
    assertErrno(() -> write(r, image, 10, 24), Errno.EFAULT);
    // The 14 bytes were taken: the next write continues at 24, and the header is not checked again.
    assertThat(write(r, image, 24, 60)).isEqualTo(36);
    assertErrno(() -> write(r, image, 0, 1), Errno.ENOMEM);
    assertThat(dst.migration().arc(RESUMING, STOP)).isNull();
    assertThat(dst.portStates()).isEqualTo(src.portStates());
  }

  @Test
  void theHeaderIsCheckedByTheWriteThatCompletesIt() {
    byte[] good = new MttyDevice(1).image();
    // A write that ends short of 24 is never checked, even when what it holds is wrong.
    byte[] bad = good.clone();
    bad[3] = 0;
    ResumingStream r = resuming(new MttyDevice(1));
    assertThat(write(r, bad, 0, 23)).isEqualTo(23);
    // The one that reaches byte 24 is, whatever its length.
    assertErrno(() -> write(r, bad, 23, 60), Errno.EFAULT);
    assertErrno(() -> write(r, bad, 0, 1), Errno.ENOMEM);

    ResumingStream whole = resuming(new MttyDevice(1));
    assertErrno(() -> write(whole, bad, 0, 60), Errno.EFAULT);
    assertErrno(() -> write(whole, bad, 0, 1), Errno.ENOMEM);

    ResumingStream fine = resuming(new MttyDevice(1));
    assertThat(write(fine, good, 0, 24)).isEqualTo(24);
    assertThat(write(fine, good, 24, 60)).isEqualTo(36);
  }

  @Test
  void everyHeaderFieldIsChecked() {
    record Field(String name, int offset, int length, long value) {}
    List<Field> bad =
        List.of(
            new Field("magic", 0, 8, 0x7e9d09898c3e2c4fL),
            new Field("major", 8, 4, 2),
            new Field("minor", 12, 4, 1),
            new Field("nr_ports", 16, 4, 2),
            new Field("nr_ports", 16, 4, 0),
            new Field("flags", 20, 4, 1),
            new Field("flags", 20, 4, 0x80000000L));
    for (Field f : bad) {
      byte[] image = new MttyDevice(1).image();
      ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
      if (f.length() == 8) {
        b.putLong(f.offset(), f.value());
      } else {
        b.putInt(f.offset(), (int) f.value());
      }
      MttyDevice dst = new MttyDevice(1);
      ResumingStream r = resuming(dst);
      assertErrno(() -> write(r, image, 0, 24), Errno.EFAULT);
      assertThat(write(r, image, 24, 60)).as(f.name()).isEqualTo(36);
      assertThat(dst.migration().arc(RESUMING, STOP)).as(f.name()).isNull();
    }
    // A one-port header offered to a two-port device, and the other way round.
    ResumingStream two = resuming(new MttyDevice(2));
    assertErrno(() -> write(two, new MttyDevice(1).image(), 0, 60), Errno.EFAULT);
    ResumingStream one = resuming(new MttyDevice(1));
    assertErrno(() -> write(one, new MttyDevice(2).image(), 0, 60), Errno.EFAULT);
  }

  @Test
  void aShortStreamIsEinvalAtStopAndTheSessionStaysUsable() {
    MttyDevice src = busy(2, 9);
    byte[] image = src.image();
    MttyDevice dst = new MttyDevice(2);
    List<SerialPort> before = dst.portStates();
    ResumingStream r = resuming(dst);
    assertErrno(() -> dst.migration().arc(RESUMING, STOP), Errno.EINVAL);
    assertThat(write(r, image, 0, 95)).isEqualTo(95);
    assertErrno(() -> dst.migration().arc(RESUMING, STOP), Errno.EINVAL);
    assertThat(dst.portStates()).isEqualTo(before);
    assertThat(write(r, image, 95, 96)).isEqualTo(1);
    assertThat(dst.migration().arc(RESUMING, STOP)).isNull();
    assertThat(dst.portStates()).isEqualTo(src.portStates());
  }

  @Test
  void portRecordsTheUartCannotRunAreEinvalAtStopAndChangeNothing() {
    // {record offset, value}: FIFO indices outside the FIFO, counts that do not match them, limits
    // past the FIFO; each in port 1 of a two-port image that is otherwise what a busy device saved
    int[][] bad = {
      {24, 0xff}, {24, 16}, {25, 0xf0}, {25, 16}, {26, 17}, {26, 0xff}, {33, 17}, {33, 0xff}
    };
    MttyDevice src = busy(2, 5);
    byte[] good = src.image();
    for (int[] b : bad) {
      byte[] image = good.clone();
      image[MttyImage.portOffset(1) + b[0]] = (byte) b[1];
      MttyDevice dst = busy(2, 6);
      List<SerialPort> before = dst.portStates();
      ResumingStream r = resuming(dst);
      assertThat(write(r, image, 0, 96)).isEqualTo(96);
      assertErrno(() -> dst.migration().arc(RESUMING, STOP), Errno.EINVAL);
      assertThat(dst.portStates()).as("offset %d = %d", b[0], b[1]).isEqualTo(before);
    }
    // a count that disagrees with head and tail, though each lies inside the FIFO
    byte[] image = good.clone();
    int p = MttyImage.portOffset(0);
    image[p + 24] = 5;
    image[p + 25] = 2;
    image[p + 26] = 4;
    MttyDevice dst = new MttyDevice(2);
    ResumingStream r = resuming(dst);
    writeInPieces(r, image, 1);
    assertErrno(() -> dst.migration().arc(RESUMING, STOP), Errno.EINVAL);
    // the same indices with the count they imply, and a full FIFO, are fine
    image[p + 26] = 3;
    image[MttyImage.portOffset(1) + 24] = 9;
    image[MttyImage.portOffset(1) + 25] = 9;
    image[MttyImage.portOffset(1) + 26] = 16;
    MttyDevice ok = new MttyDevice(2);
    ResumingStream r2 = resuming(ok);
    writeInPieces(r2, image, 2);
    assertThat(ok.migration().arc(RESUMING, STOP)).isNull();
    assertThat(ok.image()).containsExactly(image);
  }

  @Test
  void migrationResetEndsTheSessionsAndLeavesTheUartAlone() {
    MttyDevice d = busy(2, 21);
    List<SerialPort> ports = d.portStates();
    MigrationDriver m = d.migration();
    SavingStream s = (SavingStream) m.arc(RUNNING, PRE_COPY);
    m.migrationReset();
    assertErrno(() -> read(s, 1), Errno.ENODEV);
    assertThat(d.portStates()).isEqualTo(ports);

    stop(m);
    ResumingStream r = (ResumingStream) m.arc(STOP, RESUMING);
    m.migrationReset();
    assertErrno(() -> write(r, new byte[1], 0, 1), Errno.ENODEV);

    d.reset();
    assertThat(d.portStates()).isEqualTo(ports);
    // After a reset the core restarts the device in RUNNING; a new session works.
    assertThat(readAll((SavingStream) m.arc(RUNNING, PRE_COPY), 64)).containsExactly(HEADER_2);
  }

  @Test
  void stateSurvivesCloseAndReopen() {
    MttyDevice d = busy(1, 30);
    List<SerialPort> ports = d.portStates();
    d.open(null);
    assertThat(d.isOpen()).isTrue();
    d.close();
    assertThat(d.isOpen()).isFalse();
    assertThat(d.portStates()).isEqualTo(ports);
  }

  @Test
  void randomChunkingNeverChangesTheStream() {
    Random rnd = new Random(77);
    for (int i = 0; i < 50; i++) {
      int ports = 1 + rnd.nextInt(2);
      MttyDevice d = busy(ports, rnd.nextLong());
      byte[] image = d.image();
      MigrationDriver m = d.migration();
      SavingStream s = (SavingStream) m.arc(RUNNING, PRE_COPY);
      byte[] first = read(s, rnd.nextInt(30));
      m.arc(PRE_COPY, PRE_COPY_P2P);
      m.arc(PRE_COPY_P2P, STOP_COPY);
      byte[] rest = readAll(s, 1 + rnd.nextInt(40));
      byte[] all = Arrays.copyOf(first, first.length + rest.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertThat(all).containsExactly(image);
    }
  }

  @Test
  void noSessionArcsReturnNull() {
    MigrationDriver m = new MttyDevice(1).migration();
    for (MigrationState[] arc :
        new MigrationState[][] {
          {RUNNING, RUNNING_P2P}, {RUNNING_P2P, RUNNING}, {RUNNING_P2P, STOP}, {STOP, RUNNING_P2P}
        }) {
      assertThat(m.arc(arc[0], arc[1])).isNull();
    }
  }
}
