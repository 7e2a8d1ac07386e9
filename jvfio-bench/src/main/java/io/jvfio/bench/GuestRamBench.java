package io.jvfio.bench;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Digests;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.engine.DirtyTracking;
import io.jvfio.migration.engine.GuestRam;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationDestination;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.engine.Vcpu;
import io.jvfio.migration.report.GuestRamReport;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.TcpChannel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The demo's VM (guest RAM, half random and half zero, and the demo host's two memdev and mtty)
 * migrated over loopback TCP between two emulated hosts in this JVM, with its workloads running:
 * each memdev dirtying its memory and writing guest RAM by DMA, a vCPU writing guest RAM. Each
 * run's downtime at both ends against the default limit, the bytes of RAM and of device state on
 * the wire, and whether both ends ended with the same RAM and device digests. Before them, one run
 * with every workload off shows how many bytes the half-zero RAM takes on the wire; it is also the
 * runs' JIT warm-up. (The two-JVM peer of {@link MigrationBench} migrates devices only.)
 */
public final class GuestRamBench {
  private GuestRamBench() {}

  /**
   * @param runs migrations with the workloads running
   * @param guestRamMib the VM's RAM
   * @param memdevMib each memdev's memory
   * @param dirtyRate pages each memdev dirties per second
   * @param dmaRate DMA writes to guest RAM each memdev makes per second
   * @param vcpuRate pages of guest RAM the vCPU writes per second
   */
  public record Options(
      int runs, int guestRamMib, int memdevMib, double dirtyRate, double dmaRate, double vcpuRate) {
    public Options {
      Bounds.check(runs, 1, 100, "runs", "");
      Bounds.check(guestRamMib, 1, 16384, "the guest RAM", " MiB");
      Bounds.check(memdevMib, 1, Bounds.MEMDEV_MIB, "the memdev size", " MiB");
      Bounds.rate(dirtyRate, "the memdev dirty rate", " per second");
      Bounds.rate(dmaRate, "the memdev DMA rate", " per second");
      Bounds.rate(vcpuRate, "the vCPU rate", " per second");
    }

    /** The demo's VM at 1 GiB of RAM, five runs. */
    public static Options standard(
        int memdevMib, double dirtyRate, double dmaRate, double vcpuRate) {
      return new Options(5, 1024, memdevMib, dirtyRate, dmaRate, vcpuRate);
    }

    /** Two runs of 256 MiB of RAM and memdev of 128 MiB, at the same rates. */
    public Options quick() {
      return new Options(2, 256, Math.min(memdevMib, 128), dirtyRate, dmaRate, vcpuRate);
    }

    public Options withRuns(int n) {
      return new Options(n, guestRamMib, memdevMib, dirtyRate, dmaRate, vcpuRate);
    }

    public Options withGuestRamMib(int mib) {
      return new Options(runs, mib, memdevMib, dirtyRate, dmaRate, vcpuRate);
    }
  }

  /**
   * One migration of the VM.
   *
   * @param ramBytesSent page bytes of guest RAM on the wire (zero pages travel as markers)
   * @param deviceBytes device state on the wire, every device's precopy and stop-copy
   * @param ramStopCopyBytes RAM page bytes moved in the downtime
   * @param ramStopCopyEstimateBytes what the source expected of them when it switched over
   * @param digestsEqual the RAM's and every device's digest equal at both ends
   */
  public record Run(
      boolean completed,
      double sourceDowntimeMs,
      double destinationDowntimeMs,
      double limitMs,
      long ramBytes,
      long ramBytesSent,
      long ramZeroPages,
      long deviceBytes,
      long ramStopCopyBytes,
      long ramStopCopyEstimateBytes,
      String trackingMethod,
      boolean digestsEqual,
      long totalMs,
      String error) {
    public boolean withinLimit() {
      return completed && sourceDowntimeMs <= limitMs && destinationDowntimeMs <= limitMs;
    }

    public boolean ok() {
      return withinLimit() && digestsEqual;
    }

    /** RAM bytes on the wire over the RAM's size. */
    public double wireRatio() {
      return (double) ramBytesSent / ramBytes;
    }
  }

  /** The half-zero run first (workloads off), then the runs with the workloads. */
  public record Result(Options options, Run halfZero, List<Run> runs) {
    /** Every run within the limit with equal digests, and the half-zero RAM smaller on the wire. */
    public boolean ok() {
      return runs.stream().allMatch(Run::ok) && halfZeroOk();
    }

    public boolean halfZeroOk() {
      return halfZero.completed()
          && halfZero.digestsEqual()
          && halfZero.ramBytesSent() < halfZero.ramBytes();
    }

    /** What failed, in a sentence; null when nothing did. */
    public String failure() {
      long over = runs.stream().filter(r -> !r.withinLimit()).count();
      long differ = runs.stream().filter(r -> r.completed() && !r.digestsEqual()).count();
      List<String> parts = new ArrayList<>();
      if (over > 0) {
        parts.add(over + " of " + runs.size() + " runs over the downtime limit or failed");
      }
      if (differ > 0) {
        parts.add(differ + " of " + runs.size() + " runs with different digests at the two ends");
      }
      if (!halfZeroOk()) {
        parts.add(
            halfZero.completed()
                ? "the half-zero RAM did not take fewer bytes on the wire than its size, or"
                    + " arrived different"
                : "the half-zero run failed: " + halfZero.error());
      }
      return parts.isEmpty() ? null : String.join("; ", parts);
    }

    /** A table a person can read. */
    public String table() {
      Options o = options;
      StringBuilder b = new StringBuilder();
      b.append(
          String.format(
              Locale.ROOT,
              "guest RAM bench: the demo's VM (%d MiB of guest RAM, half random and half zero; two"
                  + " memdev of %d MiB and an mtty), two hosts in one JVM over loopback TCP%n"
                  + "workloads: each memdev dirties %.0f pages/s and writes guest RAM by DMA %.0f"
                  + " times/s; a vCPU writes %.0f pages/s%n",
              o.guestRamMib(),
              o.memdevMib(),
              o.dirtyRate(),
              o.dmaRate(),
              o.vcpuRate()));
      Run h = halfZero;
      b.append(
          String.format(
              Locale.ROOT,
              "%nhalf-zero RAM, workloads off (also the warm-up): %d MiB of RAM, %d MiB on the wire"
                  + " (ratio %.3f), %d zero pages as markers, digest %s%n",
              h.ramBytes() >> 20,
              h.ramBytesSent() >> 20,
              h.wireRatio(),
              h.ramZeroPages(),
              !h.completed() ? "-- failed: " + h.error() : h.digestsEqual() ? "equal" : "DIFFERS"));
      b.append(
          String.format(
              Locale.ROOT,
              "%nruns with the workloads%n"
                  + "  run  downtime src  downtime dst  limit   result  RAM on wire  device bytes"
                  + "  RAM in downtime (expected)  digests  tracking%n"));
      for (int i = 0; i < runs.size(); i++) {
        Run r = runs.get(i);
        if (!r.completed()) {
          b.append(String.format(Locale.ROOT, "  %3d  failed: %s%n", i + 1, r.error()));
          continue;
        }
        b.append(
            String.format(
                Locale.ROOT,
                "  %3d  %9.1f ms  %9.1f ms  %3.0f ms  %-6s  %7.1f MiB  %8.1f MiB  %-26s  %-7s  %s%n",
                i + 1,
                r.sourceDowntimeMs(),
                r.destinationDowntimeMs(),
                r.limitMs(),
                r.withinLimit() ? "within" : "OVER",
                r.ramBytesSent() / 1048576.0,
                r.deviceBytes() / 1048576.0,
                String.format(
                    Locale.ROOT,
                    "%8.1f MiB (%.1f MiB)",
                    r.ramStopCopyBytes() / 1048576.0,
                    r.ramStopCopyEstimateBytes() / 1048576.0),
                r.digestsEqual() ? "equal" : "DIFFER",
                r.trackingMethod()));
      }
      String f = failure();
      b.append(f == null ? "every run within the limit, digests equal\n" : "FAILED: " + f + "\n");
      return b.toString();
    }
  }

  /** Every wait of a run has this deadline. */
  static final Duration RUN_LIMIT = Duration.ofMinutes(5);

  /** Runs the bench, telling {@code log} (null: nobody) what it does. */
  public static Result run(Options o, PrintStream log) throws Exception {
    say(log, "guest RAM bench: half-zero run (workloads off)");
    Run halfZero = once(o, false);
    say(log, "  " + brief(halfZero));
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < o.runs(); i++) {
      say(log, String.format(Locale.ROOT, "guest RAM bench: run %d of %d", i + 1, o.runs()));
      Run r = once(o, true);
      say(log, "  " + brief(r));
      runs.add(r);
    }
    return new Result(o, halfZero, runs);
  }

  private static void say(PrintStream log, String line) {
    if (log != null) {
      log.println(line);
      log.flush();
    }
  }

  private static String brief(Run r) {
    return r.completed()
        ? String.format(
            Locale.ROOT,
            "downtime %.1f ms (limit %.0f), RAM %d MiB on the wire, digests %s",
            r.sourceDowntimeMs(),
            r.limitMs(),
            r.ramBytesSent() >> 20,
            r.digestsEqual() ? "equal" : "DIFFER")
        : "failed: " + r.error();
  }

  /** One migration between two fresh hosts; {@code workloads} false: nothing writes anything. */
  static Run once(Options o, boolean workloads) throws Exception {
    MemDevice.Config config =
        MemDevice.Config.defaults()
            .withMemorySize((long) o.memdevMib() << 20)
            .withDmaRate(workloads ? o.dmaRate() : 0);
    long ramBytes = (long) o.guestRamMib() << 20;
    MigrationOptions options = MigrationOptions.defaults();
    try (Host source = DemoHost.build(config);
        Host target = DemoHost.build(config)) {
      Vm from = Vm.open(source, source.process("vmm-source"), ramBytes);
      Vm to = Vm.open(target, target.process("vmm-destination"), ramBytes);
      fillHalf(from.ram(), 5);
      long seed = 7;
      for (var d : source.vfio().devices()) {
        if (d.model() instanceof MemDevice m) {
          m.fillRandom(seed++);
          m.setDirtyRate(workloads ? o.dirtyRate() : 0);
        }
      }
      InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      MigrationReport sent;
      MigrationReport received;
      try (TcpListener listener = TcpTransport.listen(loopback)) {
        CompletableFuture<MigrationReport> receiving =
            CompletableFuture.supplyAsync(
                () -> receive(listener, to, options),
                r -> Thread.ofPlatform().name("bench-destination").start(r));
        try (TcpChannel ch = TcpTransport.connect(listener.localAddress(), Duration.ofSeconds(10));
            Vcpu vcpu =
                workloads && o.vcpuRate() > 0 ? Vcpu.start(from.ram(), o.vcpuRate(), 9) : null) {
          sent =
              new MigrationSource(from.devices(), from.ram(), ch, options, ProgressListener.NONE)
                  .run();
        }
        received = receiving.get(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS);
      }
      return run(sent, received, ramBytes, options);
    }
  }

  private static MigrationReport receive(TcpListener listener, Vm to, MigrationOptions options) {
    try (TcpChannel ch = listener.accept(Duration.ofSeconds(30))) {
      return new MigrationDestination(to.devices(), to.ram(), ch, options, ProgressListener.NONE)
          .run();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Run run(
      MigrationReport sent, MigrationReport received, long ramBytes, MigrationOptions options) {
    boolean completed = sent.completed() && received.completed();
    GuestRamReport a = sent.guestRam();
    GuestRamReport b = received.guestRam();
    boolean equal = completed && a.digest() != null && a.digest().equals(b.digest());
    for (int i = 0; i < sent.devices().size(); i++) {
      String x = sent.devices().get(i).digest();
      String y = i < received.devices().size() ? received.devices().get(i).digest() : null;
      // a device without a digest (none known for its model) has nothing to compare
      equal &= x == null || x.equals(y);
    }
    String error =
        completed ? null : sent.error() != null ? sent.error() : "destination: " + received.error();
    return new Run(
        completed,
        sent.downtimeMs(),
        received.downtimeMs(),
        options.downtimeLimit().toNanos() / 1e6,
        ramBytes,
        a == null ? 0 : a.bytesSent(),
        a == null ? 0 : a.zeroPages(),
        sent.totalBytes(),
        a == null ? 0 : a.stopCopyBytes(),
        a == null ? -1 : a.stopCopyEstimateBytes(),
        a == null ? null : a.trackingMethod(),
        equal,
        sent.totalMs(),
        error);
  }

  /** A guest that used half its RAM: the first half random, the rest zero. */
  static void fillHalf(GuestRam ram, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long half = ram.bytes() / 2;
    MemorySegment m = ram.memory();
    for (long at = 0; at + 8 <= half; at += 8) {
      m.set(ValueLayout.JAVA_LONG_UNALIGNED, at, r.nextLong());
    }
  }

  /** The VM at one end: the demo's devices opened by its VMM, and its guest RAM at IOVA 0. */
  record Vm(List<MigratingDevice> devices, GuestRam ram) {
    static Vm open(Host host, HostProcess p, long ramBytes) {
      Iommufd iommufd = Iommufd.open(p);
      List<MigratingDevice> list = new ArrayList<>();
      // as the demo: every migratable function of the host, in order
      for (var d : host.vfio().devices()) {
        if (d.migration() == null) {
          continue;
        }
        String bdf = d.name();
        VfioDevice dev = VfioDevice.openCdev(p, d.cdevPath(), iommufd);
        list.add(
            new MigratingDevice(
                dev, bdf, d.model().name(), d.vendor(), d.deviceId(), Digests.of(d.model())));
      }
      GuestRam ram = new GuestRam(ramBytes, p.memory()::map);
      ram.attach(iommufd, list, 0, DirtyTracking.Choice.AUTO);
      return new Vm(list, ram);
    }
  }
}
