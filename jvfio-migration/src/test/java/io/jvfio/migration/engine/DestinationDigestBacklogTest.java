package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.InMemoryChannels;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The destination's RAM digest is the RAM as loaded, before any device runs, so whatever it still
 * has to hash once the stream ended falls inside the downtime. The receiving thread keeps that debt
 * bounded while pages arrive; with no other thread hashing (as on a busy machine, where the hasher
 * falls behind), what is left for the downtime is at most the bound, not the RAM.
 */
class DestinationDigestBacklogTest {
  /** 16 MiB of random pages: four times the bound. */
  static final long RAM = 16L << 20;

  @Test
  void theDigestOwesAtMostTheBoundWhenTheStreamEnds() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(GuestRamMigrationTest.P2P_PRECOPY));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log);
        InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20)) {
      GuestRam srcRam = src.guestRam(RAM, DirtyTracking.Choice.AUTO);
      GuestRam dstRam = dst.guestRam(RAM, DirtyTracking.Choice.AUTO);
      byte[] b = new byte[(int) RAM];
      new SplittableRandom(5).nextBytes(b);
      MemorySegment.copy(MemorySegment.ofArray(b), 0, srcRam.memory(), 0, RAM);
      MigrationOptions options =
          Rig.options().withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
      MigrationDestination destination =
          new MigrationDestination(dst.devices, dstRam, pair.b(), options, ProgressListener.NONE)
              .hashInBackground(false);
      MigrationReport[] both = migrate(src, srcRam, pair, options, destination);
      MigrationReport sent = both[0];
      MigrationReport received = both[1];
      assertThat(received.guestRam().digest()).isEqualTo(sent.guestRam().digest());
      assertThat(received.guestRam().digest()).isEqualTo(srcRam.digest());
      assertThat(destination.ramPagesHashedAfterStream())
          .as("pages hashed after the stream ended, of %d", RAM / GuestRam.PAGE)
          .isLessThanOrEqualTo(MigrationDestination.DIGEST_BACKLOG_PAGES);
    }
  }

  /**
   * The destination finishes the RAM digest after its devices run, and they may write the RAM by
   * DMA at once: the digest must still be that of the RAM as loaded (the stop-copy pages hashed
   * from the copies kept as they arrived), equal to the source's, while the RAM itself changed.
   */
  @Test
  void theDigestIsOfTheRamAsLoadedThoughTheDevicesWriteItAsSoonAsTheyRun() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(GuestRamMigrationTest.P2P_PRECOPY));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log);
        InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20)) {
      long ram = 8L << 20;
      GuestRam srcRam = src.guestRam(ram, DirtyTracking.Choice.NONE);
      GuestRam dstRam = dst.guestRam(ram, DirtyTracking.Choice.AUTO);
      GuestRamMigrationTest.fillHalf(srcRam, 3);
      MigrationOptions options =
          Rig.options().withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
      long[] written = new long[1];
      // without tracking every page is resent at stop-copy: every page's last copy is kept
      MigrationDestination destination =
          new MigrationDestination(dst.devices, dstRam, pair.b(), options, ProgressListener.NONE)
              .afterRunning(() -> {
                for (long p = 0; p < ram / GuestRam.PAGE; p += 7) {
                  dstRam.memory().set(java.lang.foreign.ValueLayout.JAVA_LONG, p * 4096, ~p);
                }
                written[0] = dst.memdev(0).runDmaWrites(256);
              });
      MigrationReport[] both = migrate(src, srcRam, pair, options, destination);
      MigrationReport sent = both[0];
      MigrationReport received = both[1];
      assertThat(written[0]).as("DMA writes of the running destination device").isEqualTo(256);
      assertThat(dstRam.digest()).as("the RAM after the devices ran").isNotEqualTo(srcRam.digest());
      assertThat(received.guestRam().digest()).isEqualTo(sent.guestRam().digest());
    }
  }

  /**
   * While precopy runs, the destination's hasher readies the room that stop-copy's kept pages need:
   * fresh memory is zeroed as it is first touched, which made each kept page cost 4-16 us inside
   * the downtime when the room was allocated as pages arrived.
   */
  @Test
  void stopCopysKeptPagesFindTheirRoomReadyAhead() throws Exception {
    List<Rig.Spec> specs = List.of(Rig.Spec.memdev(GuestRamMigrationTest.P2P_PRECOPY));
    RecordingDevice.Log log = new RecordingDevice.Log();
    try (Rig.End src = new Rig.End("src", specs, log);
        Rig.End dst = new Rig.End("dst", specs, log);
        InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20)) {
      long ram = 12L << 20;
      // no tracking: every page is resent at stop-copy, so all 12 MiB are kept (3 chunks)
      GuestRam srcRam = src.guestRam(ram, DirtyTracking.Choice.NONE);
      GuestRam dstRam = dst.guestRam(ram, DirtyTracking.Choice.AUTO);
      GuestRamMigrationTest.fillHalf(srcRam, 9);
      // a limit no switchover can keep: precopy runs its 400 ms, then switches over anyway
      MigrationOptions options =
          Rig.options()
              .withDowntimeLimit(java.time.Duration.ofNanos(1))
              .withMaxPrecopy(java.time.Duration.ofMillis(400))
              .withOnNoConvergence(MigrationOptions.NoConvergence.SWITCHOVER);
      MigrationDestination destination =
          new MigrationDestination(dst.devices, dstRam, pair.b(), options, ProgressListener.NONE);
      MigrationReport[] both = migrate(src, srcRam, pair, options, destination);
      MigrationReport sent = both[0];
      MigrationReport received = both[1];
      assertThat(received.guestRam().digest()).isEqualTo(srcRam.digest());
      assertThat(destination.ramKeptCopies())
          .as("stop-copy pages kept aside")
          .isGreaterThan(PageDigest.KEEP_CHUNK / GuestRam.PAGE);
      assertThat(destination.ramKeepAllocations())
          .as("chunks allocated for kept pages inside the downtime")
          .isZero();
    }
  }

  /** Runs {@code destination} and a source of {@code src}; both must complete. */
  private static MigrationReport[] migrate(
      Rig.End src,
      GuestRam srcRam,
      InMemoryChannels.Pair pair,
      MigrationOptions options,
      MigrationDestination destination)
      throws Exception {
    CompletableFuture<MigrationReport> receiving =
        CompletableFuture.supplyAsync(
            destination::run, r -> Thread.ofPlatform().name("test-destination").start(r));
    MigrationReport sent =
        new MigrationSource(src.devices, srcRam, pair.a(), options, ProgressListener.NONE).run();
    MigrationReport received = receiving.get(30, TimeUnit.SECONDS);
    assertThat(sent.completed()).as("source: %s", sent.error()).isTrue();
    assertThat(received.completed()).as("destination: %s", received.error()).isTrue();
    return new MigrationReport[] {sent, received};
  }
}
