package io.jvfio.devices.memdev;

import static io.jvfio.uapi.vfio.MigrationState.ERROR;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.devices.DemoHost;
import io.jvfio.host.Host;
import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Memory that costs nothing until written: zeros, digests, ZERO records and the budget. */
class MemDeviceLazyMemoryTest {
  private static final long MIB = 1 << 20;
  private static final long GIB = 1L << 30;
  private static final long CHUNK = LazyMemory.CHUNK;

  private final List<MemDevice> devices = new ArrayList<>();

  @AfterEach
  void destroy() {
    devices.forEach(MemDevice::destroy);
  }

  private MemDevice device(long size, MemoryBudget budget) {
    MemDevice d = new MemDevice(MemDevice.Config.defaults().withMemorySize(size), budget);
    devices.add(d);
    return d;
  }

  private static MemorySegment bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return MemorySegment.ofArray(b);
  }

  private static byte[] read(MemDevice d, long offset, int n) {
    byte[] b = new byte[n];
    d.readMemory(offset, MemorySegment.ofArray(b));
    return b;
  }

  /** The index of the first byte that is not zero, or -1 (AssertJ is slow on megabytes). */
  private static int firstNonZero(byte[] b) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] != 0) {
        return i;
      }
    }
    return -1;
  }

  /** Migrates {@code src} to {@code dst} by STOP to STOP_COPY; returns the stream's length. */
  private static long migrate(MemDevice src, MemDevice dst) {
    CoreSim s = new CoreSim(src.migration());
    s.set(STOP);
    long announced = src.migration().stopCopyLength();
    SavingStream out = (SavingStream) s.set(STOP_COPY);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CoreSim.drain(out, buf);
    assertThat((long) buf.size()).isEqualTo(announced);
    CoreSim d = new CoreSim(dst.migration());
    ResumingStream in = (ResumingStream) d.set(RESUMING);
    CoreSim.feed(in, buf.toByteArray());
    d.set(STOP);
    s.set(STOP);
    return buf.size();
  }

  @Test
  void aSixtyFourGibibyteHostIsBuiltAndMigratesItsFewWrittenChunks() {
    long size = 64 * GIB;
    MemoryBudget budget = new MemoryBudget(64 * MIB);
    MemDevice src = device(size, budget);
    MemDevice dst = device(size, budget);
    // the demo host (two memdev and an mtty) with 64 GiB devices builds without memory
    try (Host host = DemoHost.build(MemDevice.Config.defaults().withMemorySize(size))) {
      assertThat(host.device(DemoHost.MEMDEV_A)).isPresent();
    }
    long[] at = {0, 17 * GIB + 12345, size - 4096, 40 * GIB + CHUNK - 3};
    for (int i = 0; i < at.length; i++) {
      src.writeMemory(at[i], bytes(4096, i));
    }
    assertThat(src.backing.committedChunks()).isEqualTo(5); // the last write straddles two
    dst.writeMemory(5 * GIB, bytes(100, 99)); // stale content the stream must clear
    long length = migrate(src, dst);
    // header, 5 chunks of 2 x 1 MiB records, a ZERO record per gap (4 gaps + none after), end
    assertThat(length).isLessThan(11 * MIB);
    assertThat(dst.digest()).isEqualTo(src.digest());
    for (int i = 0; i < at.length; i++) {
      assertThat(read(dst, at[i], 4096)).isEqualTo(bytes(4096, i).toArray(ValueLayout.JAVA_BYTE));
    }
    assertThat(read(dst, 5 * GIB, 100)).containsOnly(0);
    assertThat(dst.backing.committedChunks()).isEqualTo(5);
    assertThat(budget.used()).isEqualTo(10 * CHUNK);
  }

  @Test
  void unwrittenMemoryReadsZeroAndAPartlyWrittenChunkReadsZerosAroundTheWrite() {
    MemDevice d = device(8 * MIB, new MemoryBudget(8 * MIB));
    assertThat(firstNonZero(read(d, 0, (int) (8 * MIB)))).isEqualTo(-1);
    assertThat(d.readByte(8 * MIB - 1)).isZero();
    assertThat(d.backing.committedChunks()).isZero();
    long off = CHUNK + 5000;
    d.writeMemory(off, bytes(3000, 7));
    assertThat(d.backing.committedChunks()).isEqualTo(1);
    byte[] all = read(d, 0, (int) (8 * MIB));
    assertThat(firstNonZero(Arrays.copyOfRange(all, 0, (int) off))).isEqualTo(-1);
    assertThat(firstNonZero(Arrays.copyOfRange(all, (int) off + 3000, all.length))).isEqualTo(-1);
    assertThat(read(d, off, 3000)).isEqualTo(bytes(3000, 7).toArray(ValueLayout.JAVA_BYTE));
    // reads spanning committed and uncommitted chunks
    assertThat(read(d, off - 10, 20)).startsWith(new byte[10]);
  }

  @Test
  void theDigestOfALazyDeviceEqualsThatOfAnEagerlyFilledOneWithTheSameBytes() {
    long size = 6 * MIB + 8192; // a short last chunk too
    MemDevice lazy = device(size, new MemoryBudget(GIB));
    MemDevice eager = device(size, new MemoryBudget(GIB));
    eager.fillRandom(3);
    eager.writeMemory(0, MemorySegment.ofArray(new byte[(int) size])); // every chunk committed
    assertThat(eager.backing.committedChunks()).isEqualTo(eager.backing.chunkCount());
    assertThat(lazy.digest()).isEqualTo(eager.digest());
    MemorySegment data = bytes(777, 5);
    lazy.writeMemory(3 * MIB, data);
    eager.writeMemory(3 * MIB, data);
    assertThat(lazy.backing.committedChunks()).isEqualTo(1);
    assertThat(lazy.digest()).isEqualTo(eager.digest());
    eager.writeByte(size - 1, (byte) 1);
    assertThat(lazy.digest()).isNotEqualTo(eager.digest());
  }

  @Test
  void aResetGivesTheMemoryBackAndAZeroRecordUncommitsTheDestination() {
    MemoryBudget budget = new MemoryBudget(GIB);
    MemDevice src = device(16 * MIB, budget);
    MemDevice dst = device(16 * MIB, budget);
    src.writeMemory(0, bytes(10, 1));
    dst.fillRandom(9);
    assertThat(budget.used()).isEqualTo(CHUNK + 16 * MIB);
    migrate(src, dst);
    assertThat(dst.digest()).isEqualTo(src.digest());
    assertThat(dst.backing.committedChunks()).isEqualTo(1);
    src.reset();
    assertThat(src.backing.committedChunks()).isZero();
    assertThat(read(src, 0, 10)).containsOnly(0);
    assertThat(budget.used()).isEqualTo(CHUNK);
  }

  @Test
  void aWriteBeyondTheBudgetFailsAndWritesNothing() {
    MemoryBudget budget = new MemoryBudget(2 * CHUNK);
    MemDevice d = device(64 * MIB, budget);
    d.writeMemory(0, bytes(16, 1));
    // straddles chunks 1 and 2: one fits, two do not, so nothing is written
    assertThatThrownBy(() -> d.writeMemory(2 * CHUNK - 8, bytes(16, 2)))
        .isInstanceOf(OutOfDeviceMemory.class)
        .hasMessageContaining("budget");
    assertThat(d.backing.committedChunks()).isEqualTo(1);
    assertThat(read(d, 2 * CHUNK - 8, 16)).containsOnly(0);
    assertThatThrownBy(() -> d.fillRandom(1)).isInstanceOf(OutOfDeviceMemory.class);
    assertThat(budget.used()).isEqualTo(CHUNK);
  }

  @Test
  void aResumingStreamBeyondTheBudgetIsEnomemAtTheWrite() {
    MemDevice src = device(8 * MIB, new MemoryBudget(GIB));
    src.fillRandom(4);
    CoreSim s = new CoreSim(src.migration());
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CoreSim.drain((SavingStream) s.set(STOP_COPY), buf);
    MemDevice dst = device(8 * MIB, new MemoryBudget(CHUNK));
    CoreSim d = new CoreSim(dst.migration());
    ResumingStream in = (ResumingStream) d.set(RESUMING);
    assertThatThrownBy(() -> CoreSim.feed(in, buf.toByteArray()))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
  }

  @Test
  void aWorkloadOutOfMemoryBreaksTheDeviceUntilAReset() throws Exception {
    MemDevice d = device(GIB, new MemoryBudget(CHUNK));
    d.open(new io.jvfio.host.sdk.DeviceContext("0000:00:00.0", 0, 0));
    d.setDirtyRate(1_000_000);
    long until = System.nanoTime() + 5_000_000_000L;
    while (d.workloadFailure() == null && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(d.workloadFailure()).contains("budget");
    d.setDirtyRate(0);
    CoreSim s = new CoreSim(d.migration());
    assertThatThrownBy(() -> s.set(PRE_COPY))
        .isInstanceOfSatisfying(
            DeviceBrokenException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
    assertThat(s.state()).isEqualTo(ERROR);
    d.reset();
    assertThat(d.workloadFailure()).isNull();
    assertThat(d.backing.committedChunks()).isZero();
    d.close();
  }
}
