package io.jvfio.client;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.devices.fault.FaultyDevice.Repeat;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Migration} when the device misbehaves: a memdev wrapped in {@link FaultyDevice} on a
 * one-function host. Failed SETs say where the device ended up, and the client keeps or closes the
 * data fd to match.
 */
class MigrationFaultTest {
  private static final String BDF = "0000:00:03.0";

  private final FaultyDevice faulty =
      new FaultyDevice(new MemDevice(MemDevice.Config.defaults().withMemorySize(256 << 10)));
  private Host host;
  private HostProcess p;
  private Iommufd iommufd;
  private VfioDevice dev;
  private Migration mig;
  private List<Integer> baseline;

  @BeforeEach
  void open() {
    Topology t =
        Topology.parse(
            "function 0000:00:00.0 8086:29c0 driver=host:pci-host group=0\n"
                + "function "
                + BDF
                + " 1b36:0005 driver=vfio-pci:faulty group=1 flr=yes\n");
    host = new Host(t, ModelRegistry.builtin().register("faulty", () -> faulty));
    p = host.process("vmm");
    iommufd = Iommufd.open(p);
    dev = VfioDevice.openCdev(p, host.device(BDF).orElseThrow().cdevPath(), iommufd);
    mig = dev.migration();
    baseline = p.openFds();
    // written memory: never-written memory would migrate as a few ZERO records
    ((MemDevice) faulty.inner()).fillRandom(1);
  }

  @AfterEach
  void close() {
    host.close();
  }

  @Test
  void aFailedArcLeavesTheLastGoodStateAndSaysSo() {
    faulty.failArc(STOP, STOP_COPY, Errno.EIO, Repeat.ONCE);
    VfioException e = catchThrowableOfType(VfioException.class, () -> mig.set(STOP_COPY));
    assertThat(e.errno()).isEqualTo(Errno.EIO);
    assertThat(e.call()).isEqualTo("SET MIG_DEVICE_STATE STOP_COPY (" + dev.name() + ")");
    assertThat(e.getMessage()).endsWith("the device is now in STOP");
    assertThat(mig.state()).isEqualTo(STOP);
    assertThat(p.openFds()).isEqualTo(baseline);
    // ONCE: the retry opens the session
    mig.set(STOP_COPY);
    assertThat(mig.hasDataStream()).isTrue();
    assertThat(p.openFds()).hasSize(baseline.size() + 1);
  }

  @Test
  void aFailureAfterTheSessionEndedClosesItsFd() {
    mig.set(PRE_COPY);
    assertThat(p.openFds()).hasSize(baseline.size() + 1);
    faulty.failArc(STOP, RESUMING, Errno.EIO, Repeat.ONCE);
    // PRE_COPY -> ... -> STOP ends the saving session, then STOP -> RESUMING fails
    VfioException e = catchThrowableOfType(VfioException.class, () -> mig.set(RESUMING));
    assertThat(e.getMessage()).endsWith("the device is now in STOP");
    assertThat(mig.hasDataStream()).isFalse();
    assertThat(p.openFds()).isEqualTo(baseline);
  }

  @Test
  void aFailureInsideTheSavingGroupKeepsTheStream() {
    mig.set(PRE_COPY);
    faulty.failArc(PRE_COPY_P2P, STOP_COPY, Errno.EIO, Repeat.ONCE);
    VfioException e = catchThrowableOfType(VfioException.class, () -> mig.set(STOP_COPY));
    assertThat(e.getMessage()).endsWith("the device is now in PRE_COPY_P2P");
    assertThat(mig.hasDataStream()).isTrue();
    mig.set(STOP_COPY);
    long total = 0;
    MemorySegment buf = p.memory().map(64 << 10);
    long n;
    while ((n = mig.read(buf)) > 0) {
      total += n;
    }
    assertThat(total).isGreaterThan(256 << 10);
  }

  @Test
  void aBrokenDeviceIsInErrorUntilReset() {
    mig.set(PRE_COPY);
    faulty.breakDevice();
    VfioException e = catchThrowableOfType(VfioException.class, () -> mig.set(STOP_COPY));
    assertThat(e.errno()).isEqualTo(Errno.EIO);
    assertThat(e.getMessage())
        .isEqualTo(
            "SET MIG_DEVICE_STATE STOP_COPY ("
                + dev.name()
                + ") failed: EIO (Input/output error) - the device is now in ERROR");
    assertThat(mig.state()).isEqualTo(ERROR);
    assertThat(mig.hasDataStream()).isFalse();
    assertThat(p.openFds()).isEqualTo(baseline);
    // no arc leaves ERROR; a reset does
    VfioException stuck = catchThrowableOfType(VfioException.class, () -> mig.set(RUNNING));
    assertThat(stuck.errno()).isEqualTo(Errno.EINVAL);
    assertThat(stuck.getMessage()).endsWith("the device is now in ERROR");
    dev.reset();
    assertThat(mig.state()).isEqualTo(RUNNING);
    mig.set(STOP);
    assertThat(mig.state()).isEqualTo(STOP);
  }

  @Test
  void aTruncatedStreamEndsEarly() {
    faulty.truncateStream(1000, Repeat.ONCE);
    mig.set(STOP_COPY);
    MemorySegment buf = p.memory().map(4096);
    long total = 0;
    long n;
    while ((n = mig.read(buf)) > 0) {
      total += n;
    }
    assertThat(total).isEqualTo(1000);
  }
}
