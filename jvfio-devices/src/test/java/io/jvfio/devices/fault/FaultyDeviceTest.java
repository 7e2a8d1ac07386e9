package io.jvfio.devices.fault;

import static io.jvfio.uapi.vfio.MigrationState.ERROR;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.devices.EduDevice;
import io.jvfio.devices.fault.FaultyDevice.Repeat;
import io.jvfio.devices.memdev.CoreSim;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.memdev.StreamFormat;
import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FaultyDeviceTest {
  /** The checksummed stream form, so the destination itself catches a flipped data byte. */
  static final boolean CRC = true;

  private static final long SIZE = 256 << 10;
  private final List<MemDevice> devices = new ArrayList<>();
  private final MemDevice mem = memdev(1);
  private final FaultyDevice dev = new FaultyDevice(mem);
  private final CoreSim sim = new CoreSim(dev.migration());

  @AfterEach
  void destroy() {
    devices.forEach(MemDevice::destroy);
  }

  private MemDevice memdev(long seed) {
    MemDevice d = new MemDevice(MemDevice.Config.defaults().withMemorySize(SIZE).withDataCrc(CRC));
    d.fillRandom(seed);
    devices.add(d);
    return d;
  }

  private static MigrationException error(Runnable r) {
    try {
      r.run();
    } catch (MigrationException e) {
      return e;
    }
    throw new AssertionError("no MigrationException");
  }

  private byte[] save() {
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out, () -> 5000);
    sim.set(STOP);
    return out.toByteArray();
  }

  /**
   * Resumes {@code stream} into a fresh memdev and returns its error at RESUMING -> STOP, if any.
   */
  private MigrationException resumeInto(MemDevice dst, byte[] stream) {
    CoreSim d = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) d.set(RESUMING);
    try {
      CoreSim.feed(r, stream);
      d.set(STOP);
      return null;
    } catch (MigrationException e) {
      return e;
    }
  }

  @Test
  void aFailedArcLeavesTheLastGoodStateAndAOnceFaultIsUsedUp() {
    dev.failArc(STOP, STOP_COPY, Errno.EBUSY, Repeat.ONCE);
    MigrationException e = error(() -> sim.set(STOP_COPY));
    assertThat(e.errno()).isEqualTo(Errno.EBUSY);
    assertThat(e.getMessage()).contains("injected");
    assertThat(sim.state()).isEqualTo(STOP); // RUNNING -> RUNNING_P2P -> STOP went through
    assertThat(mem.state()).isEqualTo(STOP);
    assertThat(sim.set(STOP_COPY)).isInstanceOf(SavingStream.class);
    assertThat(dev.injected()).isEqualTo(1);
  }

  @Test
  void anAlwaysFaultWithWildcardsKeepsFailingUntilCleared() {
    dev.failArc(null, RESUMING, Errno.EIO, Repeat.ALWAYS);
    sim.set(STOP);
    for (int i = 0; i < 3; i++) {
      assertThat(error(() -> sim.set(RESUMING)).errno()).isEqualTo(Errno.EIO);
      assertThat(sim.state()).isEqualTo(STOP);
    }
    dev.clearFaults();
    assertThat(sim.set(RESUMING)).isInstanceOf(ResumingStream.class);
    assertThat(dev.injected()).isEqualTo(3);
  }

  @Test
  void aDelayedArcTakesItsTimeAndThenSucceeds() {
    dev.delayArc(RUNNING_P2P, STOP, Duration.ofMillis(60), Repeat.ONCE);
    long t0 = System.nanoTime();
    sim.set(STOP);
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(60_000_000L);
    assertThat(sim.state()).isEqualTo(STOP);
    assertThat(dev.injected()).isEqualTo(1);
    sim.set(RUNNING);
    sim.set(STOP); // the ONCE delay is used up
    assertThat(dev.injected()).isEqualTo(1);
  }

  @Test
  void aDelayAndAFailureOnTheSameArcBothApply() {
    dev.delayArc(null, null, Duration.ofMillis(20), Repeat.ONCE)
        .failArc(RUNNING, RUNNING_P2P, Errno.ETIMEDOUT, Repeat.ONCE);
    long t0 = System.nanoTime();
    assertThat(error(() -> sim.set(STOP)).errno()).isEqualTo(Errno.ETIMEDOUT);
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(20_000_000L);
    assertThat(sim.state()).isEqualTo(RUNNING);
  }

  @Test
  void aCorruptedStreamDiffersInOneByteAndIsRefused() {
    byte[] clean = save();
    dev.corruptStream(1000, Repeat.ONCE);
    byte[] bad = save();
    assertThat(bad).hasSameSizeAs(clean);
    int diffs = 0;
    for (int i = 0; i < clean.length; i++) {
      if (clean[i] != bad[i]) {
        diffs++;
        assertThat(i).isEqualTo(1000);
        assertThat((byte) (clean[i] ^ bad[i])).isEqualTo((byte) 0xff);
      }
    }
    assertThat(diffs).isEqualTo(1);
    assertThat(resumeInto(memdev(2), bad).errno()).isEqualTo(Errno.EINVAL);
    // the fault was used up
    byte[] again = save();
    assertThat(again).isEqualTo(clean);
    MemDevice dst = memdev(3);
    assertThat(resumeInto(dst, again)).isNull();
    assertThat(dst.digest()).isEqualTo(mem.digest());
  }

  @Test
  void anAlwaysCorruptionHitsEverySession() {
    dev.corruptStream(StreamFormat.HEADER_SIZE + 3, 0x01, Repeat.ALWAYS);
    for (int i = 0; i < 2; i++) {
      MigrationException e = resumeInto(memdev(4), save());
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.getMessage()).contains("record header checksum");
    }
  }

  @Test
  void aTruncatedStreamEndsEarlyAndIsRefusedAtResumingToStop() {
    byte[] clean = save();
    dev.truncateStream(clean.length / 2, Repeat.ONCE);
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out, () -> 7000);
    assertThat(out.size()).isEqualTo(clean.length / 2);
    assertThat(s.read(MemorySegment.ofArray(new byte[10]))).isZero();
    assertThat(s.readable()).isTrue();
    sim.set(STOP);
    MigrationException e = resumeInto(memdev(5), out.toByteArray());
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.getMessage()).contains("incomplete");
  }

  @Test
  void precopyInfoNeverAnnouncesBytesBeyondTheCut() {
    dev.truncateStream(10_000, Repeat.ONCE);
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(10_000, 0));
    assertThat(s.read(MemorySegment.ofArray(new byte[4000]))).isEqualTo(4000);
    assertThat(s.precopyInfo().initialBytes()).isEqualTo(6000);
    assertThat(s.read(MemorySegment.ofArray(new byte[8000]))).isEqualTo(6000);
    assertThat(s.precopyInfo()).isEqualTo(new SavingStream.PrecopyInfo(0, 0));
    assertThat(s.read(MemorySegment.ofArray(new byte[8000]))).isZero();
  }

  @Test
  void aBrokenDeviceFailsEveryArcWithEioUntilReset() {
    sim.set(STOP);
    dev.breakDevice();
    assertThat(dev.isBroken()).isTrue();
    assertThatThrownBy(() -> sim.set(STOP_COPY))
        .isInstanceOfSatisfying(
            DeviceBrokenException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    assertThat(sim.state()).isEqualTo(ERROR);
    assertThat(mem.state()).isEqualTo(STOP); // the wrapped driver never saw the arc
    assertThatThrownBy(() -> dev.migration().arc(STOP, RUNNING))
        .isInstanceOf(DeviceBrokenException.class);

    sim.reset();
    assertThat(dev.isBroken()).isFalse();
    assertThat(mem.state()).isEqualTo(RUNNING);
    assertThat(sim.set(STOP_COPY)).isInstanceOf(SavingStream.class);
  }

  @Test
  void aHardwareResetAlsoRepairsTheDevice() {
    dev.breakDevice();
    dev.reset();
    assertThat(dev.isBroken()).isFalse();
    sim.set(STOP);
  }

  @Test
  void everythingElseIsDelegated() {
    assertThat(dev.name()).isEqualTo("memdev");
    assertThat(dev.inner()).isSameAs(mem);
    assertThat(dev.migration().migrationFlags()).isEqualTo(7);
    assertThat(dev.migration().stopCopyLength())
        .isEqualTo(StreamFormat.fullStreamLength(SIZE, CRC));
    assertThat(dev.migration().keepsStateAcrossClose()).isFalse();
    // wrapped only to crash on demand
    assertThat(dev.dmaLogging())
        .isInstanceOfSatisfying(
            CrashingDmaLogging.class, l -> assertThat(l.inner()).isSameAs(mem.dmaLogging()));
  }

  @Test
  void unknownDeviceFeaturesStayEnotty() {
    assertThat(error(() -> dev.deviceFeature(42, 0, MemorySegment.NULL)).errno())
        .isEqualTo(Errno.ENOTTY);
  }

  @Test
  void lifecycleAndResetReachTheWrappedModel() {
    dev.open(new DeviceContext("0000:01:00.0", 0x1234, 0x11e8));
    assertThat(mem.isOpen()).isTrue();
    dev.close();
    assertThat(mem.isOpen()).isFalse();
    dev.reset();
    assertThat(mem.readByte(0)).isZero();
    MemDevice zero = new MemDevice(MemDevice.Config.defaults().withMemorySize(SIZE));
    devices.add(zero);
    assertThat(mem.digest()).isEqualTo(zero.digest());
  }

  @Test
  void aModelWithoutMigrationStaysWithoutMigration() {
    FaultyDevice edu = new FaultyDevice(new EduDevice());
    assertThat(edu.migration()).isNull();
    assertThat(edu.dmaLogging()).isNull();
    assertThat(edu.name()).isEqualTo("edu");
  }
}
