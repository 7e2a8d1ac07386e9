package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.migration.report.MigrationReport;
import org.junit.jupiter.api.Test;

/** The demo's content check: equal digests when the devices arrive intact, and a caught change. */
class DemoMigrationTest {
  private static final long MEMDEV = 4L << 20;
  private static final TopologyInput DEMO =
      TopologyInput.builtIn("the demo host", DemoHost.topology());

  @Test
  void devicesThatArriveIntactHaveEqualDigestsOnBothEnds() throws Exception {
    DemoMigration.Outcome o = new DemoMigration(DEMO, MEMDEV, 2000, null, null).run();
    assertThat(o.report().completed()).as(o.report().toString()).isTrue();
    assertThat(o.digestsEqual()).isTrue();
    assertThat(o.digestCheck()).doesNotContain("DIFFERS");
    assertThat(o.report().devices()).hasSize(3);
    for (int i = 0; i < o.report().devices().size(); i++) {
      String sent = o.report().devices().get(i).digest();
      assertThat(sent).as("device %d has a digest", i).matches("[0-9a-f]{64}");
      assertThat(o.destination().devices().get(i).digest()).isEqualTo(sent);
    }
  }

  @Test
  void aDeviceChangedAtTheDestinationIsCaught() throws Exception {
    DemoMigration.Outcome o =
        new DemoMigration(
                DEMO,
                MEMDEV,
                2000,
                null,
                null,
                target ->
                    target.vfio().devices().stream()
                        .filter(d -> d.model() instanceof MemDevice)
                        .findFirst()
                        .map(d -> (MemDevice) d.model())
                        .orElseThrow()
                        .fillRandom(12345))
            .run();
    assertThat(o.digestsEqual()).isFalse();
    assertThat(o.digestCheck()).contains("0000:05:00.0 memdev  DIGEST DIFFERS");
    assertThat(o.digestCheck()).contains("0000:05:02.0 mtty    digest equal");
    MigrationReport r = o.report();
    assertThat(r.completed()).isFalse();
    assertThat(r.error()).contains("different content");
  }
}
