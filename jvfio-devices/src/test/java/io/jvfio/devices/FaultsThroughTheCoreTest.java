package io.jvfio.devices;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.devices.fault.FaultyDevice.Repeat;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.migration.Mig;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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
}
