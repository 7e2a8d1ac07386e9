package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.migration.transport.InMemoryChannels;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The switchover rule, term by term, with a device whose MIG_DATA_SIZE and PRECOPY_INFO the test
 * sets: what stop-copy still has to move (the larger of MIG_DATA_SIZE and the precopy bytes, so
 * that neither the dirty bytes are dropped nor the same bytes counted twice), the predicted
 * downtime in nanoseconds, and the share of the limit it must fit.
 */
class SwitchoverRuleTest {
  private static final long MIB = 1 << 20;

  /** A migratable device that reports the sizes it is given and moves no data. */
  static final class SizedModel implements DeviceModel, MigrationDriver {
    volatile long stopCopy;
    volatile long initial;
    volatile long dirty;

    @Override
    public String name() {
      return "sized";
    }

    @Override
    public void reset() {}

    @Override
    public MigrationDriver migration() {
      return this;
    }

    @Override
    public long migrationFlags() {
      return 0x7;
    }

    @Override
    public Session arc(MigrationState from, MigrationState to) {
      if (to == MigrationState.PRE_COPY && from == MigrationState.RUNNING) {
        return new SavingStream() {
          @Override
          public long read(MemorySegment dst) {
            return 0;
          }

          @Override
          public PrecopyInfo precopyInfo() {
            return new PrecopyInfo(initial, dirty);
          }
        };
      }
      return null;
    }

    @Override
    public long stopCopyLength() {
      return stopCopy;
    }
  }

  /** One sized device on a host of its own, in PRE_COPY, and a source that would migrate it. */
  static final class OneDevice implements AutoCloseable {
    final SizedModel model = new SizedModel();
    final Host host;
    final MigrationSource source;
    final InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 16);

    OneDevice(Duration limit) {
      ModelRegistry registry = new ModelRegistry();
      registry.register("sized", () -> model);
      host =
          new Host(
              Topology.parse(
                  "function 0000:00:03.0 1b36:0010 driver=vfio-pci:sized flr=yes group=1\n"),
              registry);
      HostProcess vmm = host.process("vmm");
      var d = host.device("0000:00:03.0").orElseThrow();
      VfioDevice dev = VfioDevice.openCdev(vmm, d.cdevPath(), Iommufd.open(vmm));
      MigratingDevice md =
          new MigratingDevice(dev, "0000:00:03.0", "sized", 0x1b36, 0x0010, () -> null);
      md.migration().set(MigrationState.PRE_COPY);
      source =
          new MigrationSource(
              List.of(md),
              pair.a(),
              MigrationOptions.defaults().withDowntimeLimit(limit),
              ProgressListener.NONE);
    }

    long pending(long stopCopy, long initial, long dirty) {
      model.stopCopy = stopCopy;
      model.initial = initial;
      model.dirty = dirty;
      return source.pendingEstimate();
    }

    @Override
    public void close() {
      pair.close();
      host.close();
    }
  }

  @Test
  void dirtyBytesADriverCountsApartFromMigDataSizeArePending() {
    try (OneDevice d = new OneDevice(Duration.ofMillis(300))) {
      assertThat(d.pending(4096, 0, 8 * MIB)).isEqualTo(8 * MIB);
      assertThat(d.pending(4096, 3 * MIB, 0)).isEqualTo(3 * MIB);
      assertThat(d.pending(4096, 3 * MIB, 5 * MIB)).isEqualTo(8 * MIB);
    }
  }

  @Test
  void bytesMigDataSizeAlreadyCountsAreNotCountedTwice() {
    try (OneDevice d = new OneDevice(Duration.ofMillis(300))) {
      assertThat(d.pending(8 * MIB, 1 * MIB, 7 * MIB)).isEqualTo(8 * MIB);
      assertThat(d.pending(9 * MIB, 0, 0)).isEqualTo(9 * MIB);
    }
  }

  @Test
  void thePredictionIsInNanosecondsAtTheMeasuredRate() {
    try (OneDevice d = new OneDevice(Duration.ofMillis(300))) {
      // no arc measured yet: the fixed part is the 2 ms commit allowance
      assertThat(d.source.predictDowntimeNanos(100_000_000L, 1e9)).isEqualTo(102_000_000L);
      assertThat(d.source.predictDowntimeNanos(0, 1e9)).isEqualTo(2_000_000L);
      // an unknown rate: only a tiny remainder may be predicted
      assertThat(d.source.predictDowntimeNanos(MIB, 0)).isEqualTo(Long.MAX_VALUE);
      assertThat(d.source.predictDowntimeNanos(1024, 0)).isEqualTo(2_000_000L);
    }
  }

  @Test
  void aPredictionMustFitSeventyPercentOfTheLimit() {
    try (OneDevice d = new OneDevice(Duration.ofMillis(100))) {
      assertThat(d.source.fitsLimit(70_000_000L)).isTrue();
      assertThat(d.source.fitsLimit(70_000_001L)).isFalse();
      assertThat(d.source.fitsLimit(100_000_000L)).isFalse();
    }
  }
}
