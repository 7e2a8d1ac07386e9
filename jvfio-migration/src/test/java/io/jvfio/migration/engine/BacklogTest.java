package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** When precopy counts as still draining its backlog of dirty data. */
class BacklogTest {
  private static final long MS = 1_000_000L;
  private static final long MIB = 1 << 20;

  @Test
  void aFallingBacklogDrainsUntilItLevelsOff() {
    Backlog b = new Backlog(64 * 1024);
    long t = 0;
    // 100 MiB falling by 10 MiB every 10 ms: draining all the way down
    for (long pending = 100 * MIB; pending > 20 * MIB; pending -= 10 * MIB, t += 10 * MS) {
      assertThat(b.draining(t, pending)).as("at %d MiB", pending / MIB).isTrue();
    }
    // level at 20 MiB, wandering by a few hundred KiB: no longer draining once a span has passed
    Random r = new Random(5);
    boolean last = true;
    for (int i = 0; i < 10; i++, t += 10 * MS) {
      last = b.draining(t, 20 * MIB + r.nextInt(512 * 1024));
    }
    assertThat(last).isFalse();
  }

  @Test
  void smallPendingNeverCountsAsABacklog() {
    Backlog b = new Backlog(64 * 1024);
    assertThat(b.draining(0, 64 * 1024)).isFalse();
    assertThat(b.draining(50 * MS, 1000)).isFalse();
  }

  @Test
  void aSlowDrainStillCounts() {
    // a cold JVM drains 100 MiB at a net 100 MB/s: 2 MB per 20 ms, a fiftieth, still drains
    Backlog b = new Backlog(64 * 1024);
    long pending = 100 * MIB;
    boolean draining = true;
    for (long t = 0; t <= 100 * MS; t += 5 * MS, pending -= 500_000) {
      draining &= b.draining(t, pending);
    }
    assertThat(draining).isTrue();
  }

  @Test
  void aRisingBacklogIsNotDraining() {
    Backlog b = new Backlog(64 * 1024);
    b.draining(0, 10 * MIB);
    assertThat(b.draining(25 * MS, 30 * MIB)).isFalse();
  }
}
