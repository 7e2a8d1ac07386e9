package io.jvfio.client;

import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.ModelRegistry;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The precopy-info v2 opt-in with a device that does report REINIT: with the opt-in the flag comes
 * back when the initial data grows again; without it the flag is never returned (the caller's flags
 * are echoed, and the client passes 0).
 */
class PrecopyReinitTest {
  private static final long INITIAL = 4096;

  private final ReinitModel model = new ReinitModel(INITIAL);
  private final Host host =
      new Host(
          Topology.parse("function 0000:00:01.0 1b36:0010 driver=vfio-pci:reinit flr=yes group=1"),
          new ModelRegistry().register("reinit", () -> model));
  private final HostProcess p = host.process("vmm");
  private final VfioDevice dev =
      VfioDevice.openCdev(p, host.device("0000:00:01.0").orElseThrow().cdevPath(), Iommufd.open(p));
  private final MemorySegment buf = p.memory().map(1024);

  @AfterEach
  void close() {
    host.close();
  }

  /** Reads everything the pre-copy stream holds now; returns the byte count. */
  private long drain(Migration m) {
    long total = 0;
    for (long n; (n = m.read(buf)) > 0; ) {
      total += n;
    }
    return total;
  }

  @Test
  void withTheOptInReinitComesBackOnceWhenInitialDataGrowsAgain() {
    Migration m = dev.migration();
    m.optIntoPrecopyInfoV2();
    m.set(PRE_COPY);
    assertThat(m.precopyInfo()).isEqualTo(new Migration.PrecopyInfo(INITIAL, 0, false));
    assertThat(drain(m)).isEqualTo(INITIAL);
    assertThat(m.precopyInfo()).isEqualTo(new Migration.PrecopyInfo(0, 0, false));

    model.reinitialize(1000);
    assertThat(m.precopyInfo()).isEqualTo(new Migration.PrecopyInfo(1000, 0, true));
    assertThat(m.precopyInfo())
        .as("reported once")
        .isEqualTo(new Migration.PrecopyInfo(1000, 0, false));
    assertThat(drain(m)).isEqualTo(1000);
  }

  @Test
  void withoutTheOptInReinitIsNeverReturned() {
    Migration m = dev.migration();
    m.set(PRE_COPY);
    assertThat(m.precopyInfo()).isEqualTo(new Migration.PrecopyInfo(INITIAL, 0, false));
    assertThat(drain(m)).isEqualTo(INITIAL);

    model.reinitialize(1000);
    // the device says REINIT; a caller that did not opt in still sees its own flags (0)
    assertThat(m.precopyInfo()).isEqualTo(new Migration.PrecopyInfo(1000, 0, false));
    model.reinitialize(24);
    assertThat(m.precopyInfo()).isEqualTo(new Migration.PrecopyInfo(1024, 0, false));
    assertThat(drain(m)).isEqualTo(1024);
  }
}
