package io.jvfio.cli;

import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.engine.DirtyTracking;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationDestination;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.engine.Vcpu;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.report.Progress;
import io.jvfio.migration.report.Terminal;
import io.jvfio.migration.transport.InMemoryChannels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The demo's live migration: the demo host (two memdev and an mtty) with its workloads running,
 * migrated to a second demo host in the same JVM over an in-memory channel; then each device's
 * content on both ends is compared. The long steps (building 2 x 2 memdev of device memory, filling
 * it, hashing it) and the migration show on one progress display, finished before this returns.
 */
final class DemoMigration {
  /** The source's report, and whether every device arrived with the same content. */
  record Outcome(
      MigrationReport report,
      MigrationReport destination,
      boolean digestsEqual,
      String digestCheck) {}

  /**
   * How often each memdev writes guest RAM by DMA (one 8-byte word of a random page), here, in
   * {@code migrate send} and in {@code bench guest-ram}: 20000 a second, the workload's own rate.
   * (It was 2000 while the workload held the device lock for whole catch-up batches, which kept a
   * STOP_COPY arc waiting inside the downtime; it now releases it every 32 steps.)
   */
  static final double DMA_WRITES_PER_SECOND = 20000;

  private final TopologyInput demo;
  private final long memdevBytes;
  private final double dirtyRate;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Consumer<Host> beforeCompare;
  private long guestRamBytes;
  private double vcpuRate;

  /**
   * @param out where the demo talks (null: quiet, for --json and --quiet)
   * @param err where the progress goes, drawn as standard error allows (unused when quiet)
   */
  DemoMigration(
      TopologyInput demo, long memdevBytes, double dirtyRate, PrintWriter out, PrintWriter err) {
    this(demo, memdevBytes, dirtyRate, out, err, target -> {});
  }

  /**
   * For tests: {@code beforeCompare} gets the destination host after the migration, before the
   * digests are compared (a test corrupts a device there to see the comparison catch it).
   */
  DemoMigration(
      TopologyInput demo,
      long memdevBytes,
      double dirtyRate,
      PrintWriter out,
      PrintWriter err,
      Consumer<Host> beforeCompare) {
    this.demo = demo;
    this.memdevBytes = memdevBytes;
    this.dirtyRate = dirtyRate;
    this.out = out;
    this.err = err;
    this.beforeCompare = beforeCompare;
  }

  /**
   * The VM gets {@code bytes} of guest RAM (0: none), half of it random, which a vCPU writes at
   * {@code vcpuPagesPerSecond} and the memdevs write by DMA while it migrates.
   */
  DemoMigration withGuestRam(long bytes, double vcpuPagesPerSecond) {
    this.guestRamBytes = bytes;
    this.vcpuRate = vcpuPagesPerSecond;
    return this;
  }

  Outcome run() throws Exception {
    if (out != null) {
      // before the progress starts: nothing is printed beside a line it redraws
      out.printf(
          "live migration of the demo host's devices (two memdev of %d MiB and an mtty) with the"
              + " workload dirtying %.0f pages/s per memdev, to a second host in this JVM%n",
          memdevBytes >> 20, dirtyRate);
      if (guestRamBytes > 0) {
        out.printf(
            "the VM has %s of guest RAM (half random, half zero), mapped at IOVA 0 for its"
                + " devices: each memdev writes it by DMA %.0f times a second and a vCPU writes"
                + " %.0f pages/s%n",
            mib(guestRamBytes), DMA_WRITES_PER_SECOND, vcpuRate);
      }
      out.flush();
    }
    Progress progress =
        out == null ? null : new Progress(err, Terminal.progressModeForStderr(), "sent");
    try {
      return migrate(progress == null ? ProgressListener.NONE : progress);
    } finally {
      if (progress != null) {
        progress.finish();
      }
    }
  }

  private Outcome migrate(ProgressListener progress) throws Exception {
    MemDevice.Config config =
        MemDevice.Config.defaults().withMemorySize(memdevBytes).withDmaRate(DMA_WRITES_PER_SECOND);
    String memory = mib(2 * memdevBytes);
    progress.step("building the source host (" + memory + " of memdev memory)");
    try (Host source = Hosts.build("the source host", demo, Models.registry(config))) {
      progress.step("building the destination host (" + memory + " of memdev memory)");
      try (Host target = Hosts.build("the destination host", demo, Models.registry(config))) {
        HostProcess srcVmm = source.process("vmm-source");
        HostProcess dstVmm = target.process("vmm-destination");
        List<String> bdfs = MigrationHosts.select(source, null);
        MigrationHosts.Vm fromVm =
            MigrationHosts.openVm(source, srcVmm, bdfs, guestRamBytes, DirtyTracking.Choice.AUTO);
        MigrationHosts.Vm toVm =
            MigrationHosts.openVm(target, dstVmm, bdfs, guestRamBytes, DirtyTracking.Choice.AUTO);
        List<MigratingDevice> from = fromVm.devices();
        List<MigratingDevice> to = toVm.devices();
        if (fromVm.ram() != null) {
          progress.step("filling half the guest RAM with random data");
          MigrationHosts.fillHalf(fromVm.ram(), 5);
        }
        progress.step("filling the source's " + memory + " of memdev memory with random data");
        MigrationHosts.startWorkloads(source, dirtyRate, 7);
        InMemoryChannels.Pair pair = InMemoryChannels.pair(8 << 20);
        MigrationOptions options = MigrationOptions.defaults();
        CompletableFuture<MigrationReport> receiving =
            CompletableFuture.supplyAsync(
                () ->
                    new MigrationDestination(
                            to, toVm.ram(), pair.b(), options, ProgressListener.NONE)
                        .run(),
                r -> Thread.ofPlatform().name("demo-destination").start(r));
        MigrationReport sent;
        try (Vcpu vcpu =
            fromVm.ram() != null && vcpuRate > 0 ? Vcpu.start(fromVm.ram(), vcpuRate, 9) : null) {
          sent = new MigrationSource(from, fromVm.ram(), pair.a(), options, progress).run();
        }
        progress.step("waiting for the destination's report");
        MigrationReport received = receiving.get();
        // the receiver's memdevs must stay still while the digests are compared
        for (var d : target.vfio().devices()) {
          if (d.model() instanceof MemDevice m) {
            m.setDirtyRate(0);
          }
        }
        beforeCompare.accept(target);
        progress.step("comparing the destination's content with the source's");
        List<String> lines = new ArrayList<>();
        boolean equal = sent.completed() && received.completed();
        for (int i = 0; i < from.size(); i++) {
          String a = sent.devices().get(i).digest();
          String b = to.get(i).digest() == null ? null : to.get(i).digest().get();
          boolean same = a != null && a.equals(b);
          equal &= same || a == null;
          lines.add(
              String.format(
                  "  %s %-7s %s %s",
                  bdfs.get(i),
                  from.get(i).model(),
                  same ? "digest equal" : "DIGEST DIFFERS",
                  a == null ? "" : a.substring(0, 16) + "..."));
        }
        if (sent.guestRam() != null) {
          String a = sent.guestRam().digest();
          String b = received.guestRam() == null ? null : received.guestRam().digest();
          boolean same = a != null && a.equals(b);
          equal &= same;
          lines.add(
              String.format(
                  "  guest RAM %s %s %s",
                  mib(guestRamBytes),
                  same ? "digest equal" : "DIGEST DIFFERS",
                  a == null ? "" : a.substring(0, 16) + "..."));
        }
        MigrationReport report = sent;
        if (sent.completed() && !equal) {
          report = sent.withOutcome("digest mismatch", "a device arrived with different content");
        }
        return new Outcome(report, received, equal, "content check:\n" + String.join("\n", lines));
      }
    }
  }

  private static String mib(long bytes) {
    return bytes >= 1L << 30 && bytes % (1L << 30) == 0
        ? (bytes >> 30) + " GiB"
        : (bytes >> 20) + " MiB";
  }
}
