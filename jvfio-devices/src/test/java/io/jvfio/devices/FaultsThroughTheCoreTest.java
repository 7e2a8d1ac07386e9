package io.jvfio.devices;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.devices.fault.FaultyDevice.Repeat;
import io.jvfio.devices.fault.ModelCall;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.host.vfio.ModelFailures;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fault wrapper's failures as a VMM sees them through the syscall layer. */
class FaultsThroughTheCoreTest {
  /** The checksummed stream form, so the destination itself catches a flipped data byte. */
  private static MemDevice memdev() {
    return new MemDevice(MemDevice.Config.defaults().withMemorySize(256 << 10).withDataCrc(true));
  }

  @Test
  void aFailedArcReturnsItsErrnoAndLeavesTheLastGoodState() {
    FaultyDevice f = new FaultyDevice(memdev()).failArc(STOP, STOP_COPY, Errno.EIO, Repeat.ONCE);
    try (Host host = Migrations.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Migrations.open(p, host, 0);
      Migrations.SetResult r = Migrations.setState(p, dev, STOP_COPY.value());
      assertThat(r.ret()).isEqualTo(Errno.EIO.negative());
      assertThat(r.deviceState()).isEqualTo(STOP_COPY.value());
      assertThat(r.dataFd()).isEqualTo(-1);
      assertThat(Migrations.state(p, dev)).isEqualTo(STOP);
      // ONCE: the retry works
      assertThat(Migrations.set(p, dev, STOP_COPY)).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void aBrokenDeviceIsInErrorUntilReset() {
    FaultyDevice f = new FaultyDevice(memdev());
    try (Host host = Migrations.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Migrations.open(p, host, 0);
      int saving = Migrations.set(p, dev, PRE_COPY);
      f.breakDevice();
      assertThat(Migrations.setState(p, dev, STOP_COPY.value()).ret())
          .isEqualTo(Errno.EIO.negative());
      assertThat(Migrations.state(p, dev)).isEqualTo(ERROR);
      assertThat(p.read(saving, MemorySegment.ofArray(new byte[16])))
          .isEqualTo(Errno.ENODEV.negative());
      assertThat(Migrations.setState(p, dev, RUNNING.value()).ret())
          .isEqualTo(Errno.EINVAL.negative());
      assertThat(Migrations.setState(p, dev, ERROR.value()).ret()).isZero();
      assertThat(Devices.deviceReset(p, dev)).isZero();
      assertThat(Migrations.state(p, dev)).isEqualTo(RUNNING);
      assertThat(Migrations.set(p, dev, STOP)).isEqualTo(-1);
    }
  }

  @Test
  void aCorruptedOrTruncatedStreamIsRefusedByTheDestination() {
    for (boolean corrupt : new boolean[] {true, false}) {
      FaultyDevice f = new FaultyDevice(memdev());
      if (corrupt) {
        f.corruptStream(5000, Repeat.ONCE);
      } else {
        f.truncateStream(100_000, Repeat.ONCE);
      }
      MemDevice dst = memdev();
      try (Host host = Migrations.host(f, dst)) {
        HostProcess p = host.process("vmm");
        int src = Migrations.open(p, host, 0);
        int out = Migrations.open(p, host, 1);
        ((MemDevice) f.inner()).fillRandom(3);
        int saving = Migrations.set(p, src, STOP_COPY);
        int resuming = Migrations.set(p, out, RESUMING);
        byte[] stream = Migrations.readAll(p, saving, 8192);
        long written = Migrations.write(p, resuming, stream, 0, stream.length);
        if (corrupt) {
          assertThat(written)
              .as("a bad checksum is found while writing")
              .isEqualTo(Errno.EINVAL.negative());
        } else {
          assertThat(stream).hasSize(100_000);
          assertThat(written).isEqualTo(100_000);
        }
        Migrations.SetResult stop = Migrations.setState(p, out, STOP.value());
        assertThat(stop.ret()).isEqualTo(Errno.EINVAL.negative());
        assertThat(Migrations.state(p, out)).isEqualTo(RESUMING);
      }
    }
  }

  @Test
  void aDelayedArcStillCompletes() {
    FaultyDevice f =
        new FaultyDevice(memdev()).delayArc(null, STOP, Duration.ofMillis(20), Repeat.ALWAYS);
    try (Host host = Migrations.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Migrations.open(p, host, 0);
      assertThat(Migrations.set(p, dev, STOP)).isEqualTo(-1);
      assertThat(Migrations.state(p, dev)).isEqualTo(STOP);
      assertThat(f.injected()).isPositive();
    }
  }

  private static final byte[] ONE = new byte[64];

  /** cdev open and BIND of device 0 without asserting: the device fd, or the BIND's -errno. */
  private static int bind(HostProcess p, Host host) {
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    int dev = p.open(Migrations.device(host, 0).cdevPath(), OpenFlags.O_RDWR);
    MemorySegment b = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
    VfioDeviceBindIommufd.ARGSZ.set(b, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(b, iommufd);
    int ret = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b);
    return ret < 0 ? ret : dev;
  }

  /**
   * Every call the core makes into a model, made to throw a RuntimeException (a model bug): the
   * syscall answers EIO where it has an errno to give (nothing crashes), the device is where the
   * core says (ERROR after a failed arc or migration reset, a broken data fd after a stream bug),
   * the exception is kept on the device, and the device works again afterwards.
   */
  @ParameterizedTest
  @EnumSource(ModelCall.class)
  void aModelBugAtEveryCallIsEioAndIsKept(ModelCall call) {
    FaultyDevice f = new FaultyDevice(memdev());
    RuntimeException bug = new IllegalStateException("model bug at " + call);
    try (Host host = Migrations.host(f)) {
      HostProcess p = host.process("vmm");
      VfioDevice vd = Migrations.device(host, 0);
      ModelFailures failures = vd.modelFailures();
      if (call == ModelCall.OPEN) {
        f.crashAt(call, () -> bug, Repeat.ONCE);
        assertThat(bind(p, host)).isEqualTo(Errno.EIO.negative());
        assertThat(vd.openCount()).isZero();
        assertThat(bind(p, host)).isGreaterThanOrEqualTo(0);
        assertThat(vd.openCount()).isEqualTo(1);
        assertKept(failures, bug, f);
        return;
      }
      int dev = Migrations.open(p, host, 0);
      int eio = Errno.EIO.negative();
      f.crashAt(call, () -> bug, Repeat.ONCE);
      switch (call) {
        case CLOSE -> {
          assertThat(p.close(dev)).isZero();
          assertThat(vd.openCount()).isZero();
          Migrations.open(p, host, 0);
          assertThat(vd.openCount()).isEqualTo(1);
        }
        case RESET -> {
          assertThat(Devices.deviceReset(p, dev)).isEqualTo(eio);
          assertThat(Devices.deviceReset(p, dev)).isZero();
        }
        case DEVICE_FEATURE -> {
          assertThat(Migrations.feature(p, dev, Migrations.featureArg(Migrations.GET | 13, 8)))
              .isEqualTo(eio);
          assertThat(Migrations.feature(p, dev, Migrations.featureArg(Migrations.GET | 13, 8)))
              .isEqualTo(Errno.ENOTTY.negative());
        }
        case ARC -> {
          f.clearFaults();
          int saving = Migrations.set(p, dev, PRE_COPY);
          f.crashAt(call, () -> bug, Repeat.ONCE);
          Migrations.SetResult r = Migrations.setState(p, dev, STOP_COPY.value());
          assertThat(r.ret()).isEqualTo(eio);
          assertThat(r.deviceState()).isEqualTo(STOP_COPY.value());
          assertThat(r.dataFd()).isEqualTo(-1);
          assertThat(Migrations.state(p, dev)).isEqualTo(ERROR);
          assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(Errno.ENODEV.negative());
          assertThat(Migrations.setState(p, dev, RUNNING.value()).ret())
              .isEqualTo(Errno.EINVAL.negative());
          assertThat(Devices.deviceReset(p, dev)).isZero();
          assertThat(Migrations.state(p, dev)).isEqualTo(RUNNING);
        }
        case STOP_COPY_LENGTH -> {
          assertThat(Migrations.dataSize(p, dev)).isEqualTo(eio);
          assertThat(Migrations.state(p, dev)).isEqualTo(RUNNING);
          assertThat(Migrations.dataSize(p, dev)).isPositive();
        }
        case MIGRATION_RESET -> {
          Migrations.set(p, dev, STOP);
          assertThat(Devices.deviceReset(p, dev)).isEqualTo(eio);
          assertThat(Migrations.state(p, dev)).isEqualTo(ERROR);
          assertThat(Devices.deviceReset(p, dev)).isZero();
          assertThat(Migrations.state(p, dev)).isEqualTo(RUNNING);
        }
        case SAVING_READ, PRECOPY_INFO, POLL -> {
          int saving = Migrations.set(p, dev, PRE_COPY);
          if (call == ModelCall.SAVING_READ) {
            assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(eio);
          } else if (call == ModelCall.PRECOPY_INFO) {
            assertThat(Migrations.precopyInfo(p, saving, 0).ret()).isEqualTo(eio);
          } else {
            assertThat(p.poll(saving, PollBits.POLLIN) & PollBits.POLLERR).isNotZero();
          }
          // the stream's position is unknown now: the fd stays broken although the crash was once
          assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(eio);
          assertThat(Migrations.state(p, dev)).isEqualTo(PRE_COPY);
          Migrations.set(p, dev, RUNNING);
          int fresh = Migrations.set(p, dev, PRE_COPY);
          // a fresh session streams again (a never-written memdev is a short stream of ZERO
          // records)
          assertThat(p.read(fresh, MemorySegment.ofArray(ONE))).isBetween(1L, (long) ONE.length);
        }
        case RESUMING_WRITE -> {
          int resuming = Migrations.set(p, dev, RESUMING);
          assertThat(Migrations.write(p, resuming, ONE, 0, ONE.length)).isEqualTo(eio);
          assertThat(Migrations.write(p, resuming, ONE, 0, ONE.length)).isEqualTo(eio);
          assertThat(Migrations.state(p, dev)).isEqualTo(RESUMING);
          assertThat(Devices.deviceReset(p, dev)).isZero();
          assertThat(Migrations.state(p, dev)).isEqualTo(RUNNING);
        }
        case SESSION_CLOSE -> {
          int saving = Migrations.set(p, dev, PRE_COPY);
          // ending a session cannot fail: the SET succeeds and the session is over
          assertThat(Migrations.set(p, dev, RUNNING)).isEqualTo(-1);
          assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(Errno.ENODEV.negative());
        }
        case LOG_START -> {
          assertThat(Migrations.logStart(p, dev, 4096, new long[] {0, 1 << 16}).ret())
              .isEqualTo(eio);
          assertThat(Migrations.logStart(p, dev, 4096, new long[] {0, 1 << 16}).ret()).isZero();
        }
        case LOG_STOP, LOG_REPORT -> {
          f.clearFaults();
          assertThat(Migrations.logStart(p, dev, 4096, new long[] {0, 1 << 16}).ret()).isZero();
          f.crashAt(call, () -> bug, Repeat.ONCE);
          if (call == ModelCall.LOG_STOP) {
            assertThat(Migrations.logStop(p, dev)).isEqualTo(eio);
            assertThat(Migrations.logStop(p, dev)).isZero();
          } else {
            long bitmap = p.memory().map(8).address();
            assertThat(Migrations.logReport(p, dev, 0, 1 << 16, 4096, bitmap)).isEqualTo(eio);
            assertThat(Migrations.logReport(p, dev, 0, 1 << 16, 4096, bitmap)).isZero();
          }
        }
        case OPEN -> throw new AssertionError("handled above");
      }
      assertKept(failures, bug, f);
    }
  }

  private static void assertKept(ModelFailures failures, Throwable bug, FaultyDevice f) {
    assertThat(f.injected()).as("the crash fired").isPositive();
    assertThat(failures.count()).isEqualTo(1);
    assertThat(failures.last().error()).isSameAs(bug);
  }

  @Test
  void assertionAndStackOverflowErrorsAreModelBugsButOtherErrorsPropagate() {
    FaultyDevice f = new FaultyDevice(memdev());
    try (Host host = Migrations.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Migrations.open(p, host, 0);
      ModelFailures failures = Migrations.device(host, 0).modelFailures();
      for (Supplier<Error> e :
          java.util.List.<Supplier<Error>>of(
              () -> new AssertionError("model assert"), StackOverflowError::new)) {
        Error thrown = e.get();
        f.crashAt(ModelCall.STOP_COPY_LENGTH, () -> thrown, Repeat.ONCE);
        assertThat(Migrations.dataSize(p, dev)).isEqualTo(Errno.EIO.negative());
        assertThat(failures.last().error()).isSameAs(thrown);
      }
      OutOfMemoryError oom = new OutOfMemoryError("model OOM");
      f.crashAt(ModelCall.STOP_COPY_LENGTH, () -> oom, Repeat.ONCE);
      assertThatThrownBy(() -> Migrations.dataSize(p, dev)).isSameAs(oom);
      assertThat(failures.count()).isEqualTo(2);
      // the host lock was let go: the next call works
      assertThat(Migrations.dataSize(p, dev)).isPositive();
    }
  }
}
