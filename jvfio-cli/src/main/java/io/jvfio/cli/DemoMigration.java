package io.jvfio.cli;

import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationDestination;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.report.Progress;
import io.jvfio.migration.transport.InMemoryChannels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The demo's live migration: the demo host (two memdev and an mtty) with its workloads running,
 * migrated to a second demo host in the same JVM over an in-memory channel; then each device's
 * content on both ends is compared.
 */
final class DemoMigration {
  /** The source's report, and whether every device arrived with the same content. */
  record Outcome(
      MigrationReport report,
      MigrationReport destination,
      boolean digestsEqual,
      String digestCheck) {}

  private final TopologyInput demo;
  private final long memdevBytes;
  private final double dirtyRate;
  private final PrintWriter out;
  private final Consumer<Host> beforeCompare;

  DemoMigration(TopologyInput demo, long memdevBytes, double dirtyRate, PrintWriter out) {
    this(demo, memdevBytes, dirtyRate, out, target -> {});
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
      Consumer<Host> beforeCompare) {
    this.demo = demo;
    this.memdevBytes = memdevBytes;
    this.dirtyRate = dirtyRate;
    this.out = out;
    this.beforeCompare = beforeCompare;
  }

  Outcome run() throws Exception {
    MemDevice.Config config = MemDevice.Config.defaults().withMemorySize(memdevBytes);
    try (Host source = Hosts.build("the source host", demo, Models.registry(config));
        Host target = Hosts.build("the destination host", demo, Models.registry(config))) {
      HostProcess srcVmm = source.process("vmm-source");
      HostProcess dstVmm = target.process("vmm-destination");
      List<String> bdfs = MigrationHosts.select(source, null);
      List<MigratingDevice> from = MigrationHosts.open(source, srcVmm, bdfs);
      List<MigratingDevice> to = MigrationHosts.open(target, dstVmm, bdfs);
      MigrationHosts.startWorkloads(source, dirtyRate, 7);
      if (out != null) {
        out.printf(
            "live migration of %s (%d MiB of memdev state) with the workload dirtying %.0f pages/s per memdev%n",
            bdfs, 2 * memdevBytes >> 20, dirtyRate);
        out.flush();
      }
      InMemoryChannels.Pair pair = InMemoryChannels.pair(8 << 20);
      MigrationOptions options = MigrationOptions.defaults();
      ProgressListener progress =
          out == null ? ProgressListener.NONE : new Progress(System.err, System.console() != null);
      CompletableFuture<MigrationReport> receiving =
          CompletableFuture.supplyAsync(
              () -> new MigrationDestination(to, pair.b(), options, ProgressListener.NONE).run(),
              r -> Thread.ofPlatform().name("demo-destination").start(r));
      MigrationReport sent = new MigrationSource(from, pair.a(), options, progress).run();
      MigrationReport received = receiving.get();
      // the receiver's memdevs must stay still while the digests are compared
      for (var d : target.vfio().devices()) {
        if (d.model() instanceof MemDevice m) {
          m.setDirtyRate(0);
        }
      }
      beforeCompare.accept(target);
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
      MigrationReport report = sent;
      if (sent.completed() && !equal) {
        report =
            new MigrationReport(
                "digest mismatch",
                sent.devices(),
                sent.downtimeMs(),
                sent.totalMs(),
                sent.throughputBytesPerSec(),
                sent.timeline(),
                "a device arrived with different content",
                sent.recovery());
      }
      return new Outcome(report, received, equal, "content check:\n" + String.join("\n", lines));
    }
  }
}
