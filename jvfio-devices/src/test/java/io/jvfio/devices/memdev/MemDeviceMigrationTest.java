package io.jvfio.devices.memdev;

import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemDeviceMigrationTest {
  /** Whether the streams of default-configured devices carry data checksums. */
  static final boolean CRC = MemDevice.Config.DEFAULT_DATA_CRC;

  static final long MIB = 1 << 20;
  private final List<MemDevice> devices = new ArrayList<>();

  @AfterEach
  void destroy() {
    devices.forEach(MemDevice::destroy);
  }

  MemDevice device(MemDevice.Config c) {
    MemDevice d = new MemDevice(c);
    devices.add(d);
    return d;
  }

  MemDevice device(long size) {
    return device(MemDevice.Config.defaults().withMemorySize(size));
  }

  static MigrationException migrationError(Runnable r) {
    try {
      r.run();
    } catch (MigrationException e) {
      return e;
    }
    throw new AssertionError("no MigrationException");
  }

  /** Resumes {@code stream} into {@code dst} (from RUNNING) and ends in STOP. */
  static void resume(MemDevice dst, byte[] stream) {
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    CoreSim.feed(r, stream);
    sim.set(STOP);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 3, 5, 7})
  void stopCopyRoundTripWithEveryFlagSet(long flags) {
    MemDevice src =
        device(MemDevice.Config.defaults().withMemorySize(MIB).withMigrationFlags(flags));
    MemDevice dst =
        device(MemDevice.Config.defaults().withMemorySize(MIB).withMigrationFlags(flags));
    src.fillRandom(42);
    CoreSim sim = new CoreSim(src.migration());
    sim.set(STOP);
    long announced = src.migration().stopCopyLength();
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out);
    assertThat((long) out.size())
        .isEqualTo(announced)
        .isEqualTo(StreamFormat.fullStreamLength(MIB, CRC));
    assertThat(src.migration().stopCopyLength()).isZero();
    assertThat(s.read(MemorySegment.ofArray(new byte[16]))).isZero(); // permanent end, again
    sim.set(STOP);

    assertThat(dst.digest()).isNotEqualTo(src.digest());
    resume(dst, out.toByteArray());
    assertThat(dst.digest()).isEqualTo(src.digest());
    assertThat(dst.state()).isEqualTo(STOP);
  }

  @Test
  void precopyWithTheWorkloadThreadRunningThenStopCopy() throws Exception {
    MemDevice src =
        device(MemDevice.Config.defaults().withMemorySize(4 * MIB).withDirtyRate(40_000));
    MemDevice dst = device(4 * MIB);
    src.fillRandom(7);
    src.open(new DeviceContext("0000:01:00.0", 0x1234, 0x11e8));
    waitForSteps(src, 1);

    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long initial = s.precopyInfo().initialBytes();
    assertThat(initial).isEqualTo(StreamFormat.initialLength(4 * MIB, CRC));
    long read = 0;
    for (int round = 0; round < 5; round++) {
      read += CoreSim.drain(s, out, () -> 100_000);
      long before = src.workloadSteps();
      waitForSteps(src, before + 50);
    }
    assertThat(s.precopyInfo().initialBytes()).isZero();
    assertThat(read).isGreaterThan(initial); // dirty pages went out too
    assertThat(s.precopyInfo().dirtyBytes()).isPositive();

    sim.set(STOP_COPY); // PRE_COPY -> PRE_COPY_P2P -> STOP_COPY, same stream
    assertThat(sim.saving()).isSameAs(s);
    long steps = src.workloadSteps();
    String digest = src.digest();
    CoreSim.drain(s, out, () -> 100_000);
    Thread.sleep(20);
    assertThat(src.workloadSteps()).isEqualTo(steps);
    assertThat(src.digest()).isEqualTo(digest);
    sim.set(STOP);
    src.close();

    resume(dst, out.toByteArray());
    assertThat(dst.digest()).isEqualTo(digest);
  }

  @Test
  void leavingPrecopyEarlyStillDeliversEverything() {
    MemDevice src = device(MIB);
    MemDevice dst = device(MIB);
    src.fillRandom(3);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    byte[] half = new byte[300_000];
    assertThat(s.read(MemorySegment.ofArray(half))).isEqualTo(half.length);
    src.runWorkload(100);
    sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(half, 0, half.length);
    CoreSim.drain(s, out);
    resume(dst, out.toByteArray());
    assertThat(dst.digest()).isEqualTo(src.digest());
  }

  @Test
  void streamsDoNotDependOnSegmentation() {
    long size = 256 << 10;
    byte[] a = precopyStream(device(size), new SplittableRandom(1), 1, 9000);
    byte[] b = precopyStream(device(size), new SplittableRandom(2), 4096, 300_000);
    assertThat(a).isEqualTo(b);

    SplittableRandom r = new SplittableRandom(3);
    MemDevice dst = device(size);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream rs = (ResumingStream) sim.set(RESUMING);
    CoreSim.feed(rs, a, () -> r.nextLong(1, 5000));
    sim.set(STOP);
    MemDevice ref = device(size);
    precopyStream(ref, new SplittableRandom(4), 65536, 65537);
    assertThat(dst.digest()).isEqualTo(ref.digest());
  }

  @Test
  void oneByteWritesResumeAStream() {
    MemDevice src = device(64 << 10);
    byte[] stream = precopyStream(src, new SplittableRandom(5), 1, 3);
    MemDevice dst = device(64 << 10);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream rs = (ResumingStream) sim.set(RESUMING);
    CoreSim.feed(rs, stream, () -> 1);
    sim.set(STOP);
    assertThat(dst.digest()).isEqualTo(src.digest());
  }

  /**
   * A fixed migration: fill, PRE_COPY, three rounds of reading with a deterministic workload in
   * between, STOP_COPY; reads sized at random in [min, max).
   */
  private static byte[] precopyStream(MemDevice src, SplittableRandom sizes, long min, long max) {
    src.fillRandom(11);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int round = 0; round < 3; round++) {
      CoreSim.drain(s, out, () -> sizes.nextLong(min, max));
      assertThat(src.runWorkload(40)).isEqualTo(40);
    }
    sim.set(STOP_COPY);
    CoreSim.drain(s, out, () -> sizes.nextLong(min, max));
    sim.set(STOP);
    return out.toByteArray();
  }

  @Test
  void precopyReadsAreEnomsgAtTheTemporaryEndAndNeverInStopCopy() {
    MemDevice src = device(MIB);
    src.fillRandom(1); // all written: no ZERO records
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out);
    assertThat((long) out.size()).isEqualTo(StreamFormat.initialLength(MIB, CRC));
    MemorySegment buf = MemorySegment.ofArray(new byte[8192]);
    assertThat(migrationError(() -> s.read(buf)).errno()).isEqualTo(Errno.ENOMSG);
    assertThat(s.readable()).isFalse();
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));

    src.writeByte(5 * 4096 + 17, (byte) 1);
    assertThat(s.readable()).isTrue();
    assertThat(s.precopyInfo().dirtyBytes())
        .isEqualTo(StreamFormat.PAGE_SIZE + StreamFormat.chunkOverhead(CRC));
    assertThat(s.read(buf)).isEqualTo(StreamFormat.PAGE_SIZE + StreamFormat.chunkOverhead(CRC));
    assertThat(migrationError(() -> s.read(buf)).errno()).isEqualTo(Errno.ENOMSG);

    sim.set(PRE_COPY_P2P);
    assertThat(migrationError(() -> s.read(buf)).errno()).isEqualTo(Errno.ENOMSG);
    sim.set(STOP_COPY);
    assertThat(s.readable()).isTrue();
    assertThat(s.read(buf)).isEqualTo(StreamFormat.END_SIZE);
    assertThat(s.read(buf)).isZero();
    assertThat(s.read(buf)).isZero();
  }

  @Test
  void precopyInfoFollowsTheCursor() {
    MemDevice src = device(MIB);
    src.fillRandom(9);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    long initial = StreamFormat.initialLength(MIB, CRC);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(initial, 0));
    MemorySegment buf = MemorySegment.ofArray(new byte[10_000]);
    long read = 0;
    long last = initial;
    while (read < initial) {
      read += s.read(buf.asSlice(0, Math.min(buf.byteSize(), initial - read)));
      long now = s.precopyInfo().initialBytes();
      assertThat(now).isLessThan(last).isEqualTo(initial - read);
      last = now;
    }
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));

    src.runWorkload(64);
    long dirty = s.precopyInfo().dirtyBytes();
    assertThat(dirty).isEqualTo(StreamFormat.dirtyEstimate(src.dirtyPageCount(), CRC)).isPositive();
    long lastDirty = dirty;
    MemorySegment small = buf.asSlice(0, 1000);
    while (s.readable()) {
      s.read(small);
      long now = s.precopyInfo().dirtyBytes();
      assertThat(now).isLessThanOrEqualTo(lastDirty);
      lastDirty = now;
    }
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));
  }

  @Test
  void stopCopyLengthIsExactInStopAndAnUpperBoundDuringPrecopy() {
    MemDevice src = device(MIB);
    src.fillRandom(1); // all written: no ZERO records
    assertThat(src.migration().stopCopyLength()).isEqualTo(StreamFormat.fullStreamLength(MIB, CRC));
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    assertThat(src.migration().stopCopyLength()).isEqualTo(StreamFormat.fullStreamLength(MIB, CRC));
    CoreSim.drain(s, new ByteArrayOutputStream());
    assertThat(src.migration().stopCopyLength()).isEqualTo(StreamFormat.END_SIZE);
    // three adjacent pages coalesce into one chunk: the estimate counts three
    src.writeMemory(10 * 4096, MemorySegment.ofArray(new byte[3 * 4096]));
    long estimate = src.migration().stopCopyLength();
    assertThat(estimate).isEqualTo(StreamFormat.dirtyEstimate(3, CRC) + StreamFormat.END_SIZE);
    sim.set(STOP_COPY);
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    CoreSim.drain(s, rest);
    assertThat((long) rest.size())
        .isEqualTo(3 * 4096 + StreamFormat.chunkOverhead(CRC) + StreamFormat.END_SIZE)
        .isLessThanOrEqualTo(estimate);
    sim.set(STOP);
    assertThat(src.migration().stopCopyLength()).isEqualTo(StreamFormat.fullStreamLength(MIB, CRC));
  }

  private byte[] savedImage(long size, long seed) {
    return savedImage(size, seed, CRC);
  }

  private byte[] savedImage(long size, long seed, boolean dataCrc) {
    MemDevice src = device(MemDevice.Config.defaults().withMemorySize(size).withDataCrc(dataCrc));
    src.fillRandom(seed);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out);
    sim.set(STOP);
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(
      longs = {
        0, // magic
        5, // version
        9, // page size (header checksum)
        30, // header checksum
        32, // first record tag
        44, // first record's page index
        32 + 24 + 1000, // page data
        32 + 24 + 256 * 4096 + 2, // data checksum
        -1 // last byte: the end marker's checksum
      })
  void aCorruptedByteBreaksTheStream(long offset) {
    // the checksummed form: MemStreamFormsTest shows a data byte passes without data checksums
    byte[] stream = savedImage(2 * MIB, 1, true);
    int at = (int) (offset < 0 ? stream.length + offset : offset);
    stream[at] ^= 0x40;
    MemDevice dst = device(2 * MIB);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    MigrationException e = migrationError(() -> CoreSim.feed(r, stream, () -> 7777));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(migrationError(() -> r.write(MemorySegment.ofArray(new byte[1]))).errno())
        .isEqualTo(Errno.ENODEV);
    assertThat(migrationError(() -> sim.set(STOP)).errno()).isEqualTo(Errno.EINVAL);
    assertThat(sim.state()).isEqualTo(RESUMING);
    assertThat(dst.state()).isEqualTo(RESUMING);

    // only a reset gets out; then a good stream resumes
    sim.reset();
    assertThat(dst.state()).isEqualTo(RUNNING);
    byte[] good = savedImage(2 * MIB, 1, true);
    ResumingStream r2 = (ResumingStream) sim.set(RESUMING);
    CoreSim.feed(r2, good);
    sim.set(STOP);
  }

  @Test
  void aTruncatedStreamIsRefusedAtResumingToStopAndCanBeCompleted() {
    byte[] stream = savedImage(MIB, 2);
    MemDevice dst = device(MIB);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    int cut = stream.length - 10;
    CoreSim.feed(r, Arrays.copyOf(stream, cut));
    MigrationException e = migrationError(() -> sim.set(STOP));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.getMessage()).contains("incomplete");
    assertThat(dst.state()).isEqualTo(RESUMING);
    assertThat(sim.resuming()).isSameAs(r);
    CoreSim.feed(r, Arrays.copyOfRange(stream, cut, stream.length));
    sim.set(RUNNING);
    MemDevice ref = device(MIB);
    ref.fillRandom(2);
    assertThat(dst.digest()).isEqualTo(ref.digest());
  }

  @Test
  void bytesAfterTheEndMarkerAreEnomemAndConsumeNothing() {
    byte[] stream = savedImage(MIB, 3);
    MemDevice dst = device(MIB);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    byte[] more = Arrays.copyOf(stream, stream.length + 100);
    assertThat(r.write(MemorySegment.ofArray(more))).isEqualTo(stream.length);
    MigrationException e =
        migrationError(() -> r.write(MemorySegment.ofArray(new byte[] {1, 2, 3})));
    assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
    assertThat(r.write(MemorySegment.ofArray(new byte[0]))).isZero();
    sim.set(STOP); // the stream is still good
  }

  @Test
  void anImageOfAnotherSizeIsRefusedByItsHeader() {
    byte[] big = savedImage(2 * MIB, 4);
    MemDevice dst = device(MIB);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    assertThat(migrationError(() -> CoreSim.feed(r, big)).errno()).isEqualTo(Errno.ENOMEM);
    sim.reset();

    byte[] small = savedImage(MIB / 2, 4);
    ResumingStream r2 = (ResumingStream) sim.set(RESUMING);
    assertThat(migrationError(() -> CoreSim.feed(r2, small)).errno()).isEqualTo(Errno.EINVAL);
  }

  /** Hand-made streams for the checks the saving side never triggers. */
  private static byte[] stream(long memorySize, byte[]... records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] h = new byte[StreamFormat.HEADER_SIZE];
    StreamFormat.encodeHeader(h, memorySize, StreamFormat.flags(CRC), new java.util.zip.CRC32C());
    out.writeBytes(h);
    for (byte[] r : records) {
      out.writeBytes(r);
    }
    return out.toByteArray();
  }

  private static byte[] record(int tag, int count, long value) {
    byte[] b = new byte[StreamFormat.RECORD_HEADER_SIZE];
    StreamFormat.encodeRecord(b, tag, count, value, new java.util.zip.CRC32C());
    return b;
  }

  private MigrationException resumeError(long size, byte[] stream) {
    MemDevice dst = device(size);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    return migrationError(() -> CoreSim.feed(r, stream));
  }

  @Test
  void malformedRecordsAreRefused() {
    long size = 64 << 10;
    assertThat(resumeError(size, stream(size, record(StreamFormat.TAG_END, 0, 0))).getMessage())
        .contains("before 16 pages");
    assertThat(resumeError(size, stream(size, record(StreamFormat.TAG_END, 0, 3))).getMessage())
        .contains("end marker counts 3");
    assertThat(resumeError(size, stream(size, record(StreamFormat.tag("BOGS"), 0, 0))).errno())
        .isEqualTo(Errno.EINVAL);
    assertThat(resumeError(size, stream(size, record(StreamFormat.TAG_CHUNK, 0, 0))).errno())
        .isEqualTo(Errno.EINVAL);
    assertThat(resumeError(size, stream(size, record(StreamFormat.TAG_CHUNK, 2, 15))).errno())
        .isEqualTo(Errno.ENOMEM);
    assertThat(resumeError(size, stream(size, record(StreamFormat.TAG_CHUNK, 1, -1))).errno())
        .isEqualTo(Errno.ENOMEM);
  }

  @Test
  void aSixtyFourMebibyteDeviceMigratesInLargeReads() {
    long size = 64 * MIB;
    MemDevice src = device(size);
    MemDevice dst = device(size);
    src.fillRandom(64);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    CoreSim d = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) d.set(RESUMING);
    try (var arena = java.lang.foreign.Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(8 * MIB);
      long total = 0;
      long n;
      while ((n = s.read(buf)) > 0) {
        assertThat(r.write(buf.asSlice(0, n))).isEqualTo(n);
        total += n;
      }
      assertThat(total).isEqualTo(StreamFormat.fullStreamLength(size, CRC));
    }
    sim.set(STOP);
    d.set(STOP);
    assertThat(dst.digest()).isEqualTo(src.digest());
  }

  @Test
  void migrationResetEndsSessionsAndKeepsMemoryWhileResetZeroesIt() {
    MemDevice src = device(MIB);
    src.fillRandom(5);
    String digest = src.digest();
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    s.read(MemorySegment.ofArray(new byte[100]));
    sim.reset();
    assertThat(src.state()).isEqualTo(RUNNING);
    assertThat(migrationError(() -> s.read(MemorySegment.ofArray(new byte[1]))).errno())
        .isEqualTo(Errno.ENODEV);
    assertThat(src.digest()).isEqualTo(digest);
    // a new session starts over
    SavingStream s2 = (SavingStream) sim.set(PRE_COPY);
    assertThat(s2.precopyInfo().initialBytes()).isEqualTo(StreamFormat.initialLength(MIB, CRC));

    src.reset();
    MemDevice zero = device(MIB);
    assertThat(src.digest()).isEqualTo(zero.digest());
    assertThat(src.readByte(12345)).isZero();
  }

  @Test
  void theWorkloadRunsOnlyInRunningAndPreCopy() throws Exception {
    MemDevice d = device(MemDevice.Config.defaults().withMemorySize(MIB).withDirtyRate(100_000));
    d.open(new DeviceContext("0000:01:00.0", 0x1234, 0x11e8));
    assertThat(d.isOpen()).isTrue();
    CoreSim sim = new CoreSim(d.migration());
    waitForSteps(d, d.workloadSteps() + 100);
    for (var state : List.of(RUNNING_P2P, STOP, STOP_COPY, STOP, RESUMING)) {
      sim.set(state);
      assertQuiet(d);
    }
    byte[] image = savedImage(MIB, 8);
    CoreSim.feed(sim.resuming(), image);
    sim.set(RUNNING);
    waitForSteps(d, d.workloadSteps() + 100);
    sim.set(PRE_COPY);
    waitForSteps(d, d.workloadSteps() + 100);
    sim.set(PRE_COPY_P2P);
    assertQuiet(d);
    sim.set(PRE_COPY);
    waitForSteps(d, d.workloadSteps() + 100);
    d.setDirtyRate(0);
    assertQuiet(d);
    d.close();
    assertThat(d.isOpen()).isFalse();
  }

  /** Neither the thread nor {@link MemDevice#runWorkload} changes anything for a while. */
  private static void assertQuiet(MemDevice d) throws InterruptedException {
    long steps = d.workloadSteps();
    String digest = d.digest();
    if (!MemDevice.workloadRuns(d.state())) {
      assertThat(d.runWorkload(10)).isZero();
    }
    Thread.sleep(15);
    assertThat(d.workloadSteps()).isEqualTo(steps);
    assertThat(d.digest()).isEqualTo(digest);
  }

  static void waitForSteps(MemDevice d, long steps) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (d.workloadSteps() < steps) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("workload stuck at " + d.workloadSteps() + " steps");
      }
      Thread.sleep(1);
    }
  }

  @Test
  void modelStateMismatchAndUnknownArcsAreEinval() {
    MemDevice d = device(MIB);
    assertThatThrownBy(() -> d.migration().arc(STOP, STOP_COPY))
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining("while in RUNNING");
    assertThat(d.state()).isEqualTo(RUNNING);
  }
}
