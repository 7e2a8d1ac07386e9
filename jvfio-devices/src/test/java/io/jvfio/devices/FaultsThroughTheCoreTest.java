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
import io.jvfio.host.migration.Mig;
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
    try (Host host = Mig.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Mig.open(p, host, 0);
      Mig.SetResult r = Mig.setState(p, dev, STOP_COPY.value());
      assertThat(r.ret()).isEqualTo(Errno.EIO.negative());
      assertThat(r.deviceState()).isEqualTo(STOP_COPY.value());
      assertThat(r.dataFd()).isEqualTo(-1);
      assertThat(Mig.state(p, dev)).isEqualTo(STOP);
      // ONCE: the retry works
      assertThat(Mig.set(p, dev, STOP_COPY)).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void aBrokenDeviceIsInErrorUntilReset() {
    FaultyDevice f = new FaultyDevice(memdev());
    try (Host host = Mig.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Mig.open(p, host, 0);
      int saving = Mig.set(p, dev, PRE_COPY);
      f.breakDevice();
      assertThat(Mig.setState(p, dev, STOP_COPY.value()).ret()).isEqualTo(Errno.EIO.negative());
      assertThat(Mig.state(p, dev)).isEqualTo(ERROR);
      assertThat(p.read(saving, MemorySegment.ofArray(new byte[16])))
          .isEqualTo(Errno.ENODEV.negative());
      assertThat(Mig.setState(p, dev, RUNNING.value()).ret()).isEqualTo(Errno.EINVAL.negative());
      assertThat(Mig.setState(p, dev, ERROR.value()).ret()).isZero();
      assertThat(Mig.reset(p, dev)).isZero();
      assertThat(Mig.state(p, dev)).isEqualTo(RUNNING);
      assertThat(Mig.set(p, dev, STOP)).isEqualTo(-1);
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
      try (Host host = Mig.host(f, dst)) {
        HostProcess p = host.process("vmm");
        int src = Mig.open(p, host, 0);
        int out = Mig.open(p, host, 1);
        ((MemDevice) f.inner()).fillRandom(3);
        int saving = Mig.set(p, src, STOP_COPY);
        int resuming = Mig.set(p, out, RESUMING);
        byte[] stream = Mig.readAll(p, saving, 8192);
        long written = Mig.write(p, resuming, stream, 0, stream.length);
        if (corrupt) {
          assertThat(written)
              .as("a bad checksum is found while writing")
              .isEqualTo(Errno.EINVAL.negative());
        } else {
          assertThat(stream).hasSize(100_000);
          assertThat(written).isEqualTo(100_000);
        }
        Mig.SetResult stop = Mig.setState(p, out, STOP.value());
        assertThat(stop.ret()).isEqualTo(Errno.EINVAL.negative());
        assertThat(Mig.state(p, out)).isEqualTo(RESUMING);
      }
    }
  }

  @Test
  void aDelayedArcStillCompletes() {
    FaultyDevice f =
        new FaultyDevice(memdev()).delayArc(null, STOP, Duration.ofMillis(20), Repeat.ALWAYS);
    try (Host host = Mig.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Mig.open(p, host, 0);
      assertThat(Mig.set(p, dev, STOP)).isEqualTo(-1);
      assertThat(Mig.state(p, dev)).isEqualTo(STOP);
      assertThat(f.injected()).isPositive();
    }
  }

  private static final byte[] ONE = new byte[64];

  /** cdev open and BIND of device 0 without asserting: the device fd, or the BIND's -errno. */
  private static int bind(HostProcess p, Host host) {
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    int dev = p.open(Mig.device(host, 0).cdevPath(), OpenFlags.O_RDWR);
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
    try (Host host = Mig.host(f)) {
      HostProcess p = host.process("vmm");
      VfioDevice vd = Mig.device(host, 0);
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
      int dev = Mig.open(p, host, 0);
      int eio = Errno.EIO.negative();
      f.crashAt(call, () -> bug, Repeat.ONCE);
      switch (call) {
        case CLOSE -> {
          assertThat(p.close(dev)).isZero();
          assertThat(vd.openCount()).isZero();
          Mig.open(p, host, 0);
          assertThat(vd.openCount()).isEqualTo(1);
        }
        case RESET -> {
          assertThat(Mig.reset(p, dev)).isEqualTo(eio);
          assertThat(Mig.reset(p, dev)).isZero();
        }
        case DEVICE_FEATURE -> {
          assertThat(Mig.feature(p, dev, Mig.featureArg(Mig.GET | 13, 8))).isEqualTo(eio);
          assertThat(Mig.feature(p, dev, Mig.featureArg(Mig.GET | 13, 8)))
              .isEqualTo(Errno.ENOTTY.negative());
        }
        case ARC -> {
          f.clearFaults();
          int saving = Mig.set(p, dev, PRE_COPY);
          f.crashAt(call, () -> bug, Repeat.ONCE);
          Mig.SetResult r = Mig.setState(p, dev, STOP_COPY.value());
          assertThat(r.ret()).isEqualTo(eio);
          assertThat(r.deviceState()).isEqualTo(STOP_COPY.value());
          assertThat(r.dataFd()).isEqualTo(-1);
          assertThat(Mig.state(p, dev)).isEqualTo(ERROR);
          assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(Errno.ENODEV.negative());
          assertThat(Mig.setState(p, dev, RUNNING.value()).ret())
              .isEqualTo(Errno.EINVAL.negative());
          assertThat(Mig.reset(p, dev)).isZero();
          assertThat(Mig.state(p, dev)).isEqualTo(RUNNING);
        }
        case STOP_COPY_LENGTH -> {
          assertThat(Mig.dataSize(p, dev)).isEqualTo(eio);
          assertThat(Mig.state(p, dev)).isEqualTo(RUNNING);
          assertThat(Mig.dataSize(p, dev)).isPositive();
        }
        case MIGRATION_RESET -> {
          Mig.set(p, dev, STOP);
          assertThat(Mig.reset(p, dev)).isEqualTo(eio);
          assertThat(Mig.state(p, dev)).isEqualTo(ERROR);
          assertThat(Mig.reset(p, dev)).isZero();
          assertThat(Mig.state(p, dev)).isEqualTo(RUNNING);
        }
        case SAVING_READ, PRECOPY_INFO, POLL -> {
          int saving = Mig.set(p, dev, PRE_COPY);
          if (call == ModelCall.SAVING_READ) {
            assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(eio);
          } else if (call == ModelCall.PRECOPY_INFO) {
            assertThat(Mig.precopyInfo(p, saving, 0).ret()).isEqualTo(eio);
          } else {
            assertThat(p.poll(saving, PollBits.POLLIN) & PollBits.POLLERR).isNotZero();
          }
          // the stream's position is unknown now: the fd stays broken although the crash was once
          assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(eio);
          assertThat(Mig.state(p, dev)).isEqualTo(PRE_COPY);
          Mig.set(p, dev, RUNNING);
          int fresh = Mig.set(p, dev, PRE_COPY);
          // a fresh session streams again (a never-written memdev is a short stream of ZERO
          // records)
          assertThat(p.read(fresh, MemorySegment.ofArray(ONE))).isBetween(1L, (long) ONE.length);
        }
        case RESUMING_WRITE -> {
          int resuming = Mig.set(p, dev, RESUMING);
          assertThat(Mig.write(p, resuming, ONE, 0, ONE.length)).isEqualTo(eio);
          assertThat(Mig.write(p, resuming, ONE, 0, ONE.length)).isEqualTo(eio);
          assertThat(Mig.state(p, dev)).isEqualTo(RESUMING);
          assertThat(Mig.reset(p, dev)).isZero();
          assertThat(Mig.state(p, dev)).isEqualTo(RUNNING);
        }
        case SESSION_CLOSE -> {
          int saving = Mig.set(p, dev, PRE_COPY);
          // ending a session cannot fail: the SET succeeds and the session is over
          assertThat(Mig.set(p, dev, RUNNING)).isEqualTo(-1);
          assertThat(p.read(saving, MemorySegment.ofArray(ONE))).isEqualTo(Errno.ENODEV.negative());
        }
        case LOG_START -> {
          assertThat(Mig.logStart(p, dev, 4096, new long[] {0, 1 << 16}).ret()).isEqualTo(eio);
          assertThat(Mig.logStart(p, dev, 4096, new long[] {0, 1 << 16}).ret()).isZero();
        }
        case LOG_STOP, LOG_REPORT -> {
          f.clearFaults();
          assertThat(Mig.logStart(p, dev, 4096, new long[] {0, 1 << 16}).ret()).isZero();
          f.crashAt(call, () -> bug, Repeat.ONCE);
          if (call == ModelCall.LOG_STOP) {
            assertThat(Mig.logStop(p, dev)).isEqualTo(eio);
            assertThat(Mig.logStop(p, dev)).isZero();
          } else {
            long bitmap = p.memory().map(8).address();
            assertThat(Mig.logReport(p, dev, 0, 1 << 16, 4096, bitmap)).isEqualTo(eio);
            assertThat(Mig.logReport(p, dev, 0, 1 << 16, 4096, bitmap)).isZero();
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
    try (Host host = Mig.host(f)) {
      HostProcess p = host.process("vmm");
      int dev = Mig.open(p, host, 0);
      ModelFailures failures = Mig.device(host, 0).modelFailures();
      for (Supplier<Error> e :
          java.util.List.<Supplier<Error>>of(
              () -> new AssertionError("model assert"), StackOverflowError::new)) {
        Error thrown = e.get();
        f.crashAt(ModelCall.STOP_COPY_LENGTH, () -> thrown, Repeat.ONCE);
        assertThat(Mig.dataSize(p, dev)).isEqualTo(Errno.EIO.negative());
        assertThat(failures.last().error()).isSameAs(thrown);
      }
      OutOfMemoryError oom = new OutOfMemoryError("model OOM");
      f.crashAt(ModelCall.STOP_COPY_LENGTH, () -> oom, Repeat.ONCE);
      assertThatThrownBy(() -> Mig.dataSize(p, dev)).isSameAs(oom);
      assertThat(failures.count()).isEqualTo(2);
      // the host lock was let go: the next call works
      assertThat(Mig.dataSize(p, dev)).isPositive();
    }
  }
}
