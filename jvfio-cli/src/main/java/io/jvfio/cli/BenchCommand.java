package io.jvfio.cli;

import io.jvfio.bench.DataFdRatios;
import io.jvfio.bench.GuestRamBench;
import io.jvfio.bench.JmhRunOptions;
import io.jvfio.bench.MigrationBench;
import io.jvfio.bench.ScaleRatios;
import io.jvfio.cli.json.BenchJson;
import io.jvfio.cli.json.CliJson;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio bench datafd|migration|guest-ram|scale}: speed of jvfio's own paths, as ratios
 * against a baseline measured in the same run.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (JMH) of jvfio's data paths, reported as ratios against a baseline.",
    subcommands = {
      BenchCommand.DataFd.class,
      BenchCommand.Migration.class,
      BenchCommand.GuestRam.class,
      BenchCommand.Scale.class
    })
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Every bench times the emulated host's paths: on a real host there is nothing to time. */
  private static final String EMULATED_ONLY =
      "bench times calls into the emulated host; it runs with --backend emulated only";

  @Override
  public void run() {
    throw UsageException.noSubcommand(spec);
  }

  /**
   * {@code o} with {@code option} applied when it was given ({@code value} not null); the bench's
   * refusal of the value becomes a usage error naming the option and the value.
   */
  private static <T> T option(T o, String option, Object value, UnaryOperator<T> with) {
    if (value == null) {
      return o;
    }
    try {
      return with.apply(o);
    } catch (IllegalArgumentException e) {
      String shown =
          value instanceof List<?> l
              ? l.stream().map(String::valueOf).collect(Collectors.joining(","))
              : value instanceof Double d ? Checks.show(d) : value.toString();
      throw UsageException.of(option, shown, e.getMessage());
    }
  }

  /** The bench's own checks of settings together (not one option), as usage errors. */
  private static <T> T checked(Supplier<T> options) {
    try {
      return options.get();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
  }

  /** Whether the command line asked for JMH's own output ({@code --verbose}). */
  private static boolean verbose(CommandLine.Model.CommandSpec spec) {
    return Main.verbosity(spec) == Logging.Verbosity.VERBOSE;
  }

  /** A JMH bench's "about N s" line, unless {@code --quiet}. */
  private static void announce(
      CommandLine.Model.CommandSpec spec, String bench, JmhRunOptions<?> o) {
    if (Main.verbosity(spec) != Logging.Verbosity.QUIET) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          String.format(
              "jvfio bench %s: %d JMH benchmarks, about %d s",
              bench, o.runs(), o.estimate().toSeconds()));
      err.flush();
    }
  }

  /** {@code jvfio bench datafd [--quick] [--json]}. */
  @Command(
      name = "datafd",
      mixinStandardHelpOptions = true,
      description =
          "Read a memdev's saving data fd and write a resuming one in 4 KiB, 64 KiB and 1 MiB "
              + "chunks, and divide each throughput by that of a MemorySegment.copy of the same "
              + "bytes measured in the same run (1.0: as fast as a copy).")
  static final class DataFd implements Callable<Integer> {
    @Option(
        names = "--quick",
        description = "short iterations (about 35 s instead of about 75 s); noisier")
    boolean quick;

    @CommandLine.Mixin JmhOptions jmh;

    @CommandLine.Mixin BenchOutput output;

    @Option(names = "--memory-mib", paramLabel = "N", description = "memdev size (default 64)")
    Integer memoryMib;

    @Option(
        names = "--chunks",
        paramLabel = "BYTES",
        split = ",",
        description = "chunk sizes in bytes (default 4096,65536,1048576)")
    List<Integer> chunks;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Backends.requireEmulated(spec, EMULATED_ONLY);
      DataFdRatios.Options o = checked(this::options);
      announce(spec, "datafd", o);
      DataFdRatios.Result r = DataFdRatios.run(o, verbose(spec) ? System.err : null);
      output.print(spec, () -> json(r), r.table());
      return 0;
    }

    DataFdRatios.Options options() {
      DataFdRatios.Options o =
          quick ? DataFdRatios.Options.quick() : DataFdRatios.Options.standard();
      o = jmh.apply(o);
      o = option(o, "--chunks", chunks, x -> x.withChunkSizes(chunks));
      return option(o, "--memory-mib", memoryMib, x -> x.withMemoryMib(memoryMib));
    }
  }

  /** {@code jvfio bench migration}: two JVMs over loopback TCP, against raw TCP and the limit. */
  @Command(
      name = "migration",
      mixinStandardHelpOptions = true,
      description =
          "Live-migrate the demo host's two memdev to a second JVM over loopback TCP: throughput"
              + " against a raw TCP transfer of the same bytes measured right before it, then"
              + " downtime runs with the workloads dirtying memory under each limit. Shows the CPU"
              + " time both JVMs spent per byte; exits 1 when the median ratio is below 0.85 or a"
              + " downtime run went over its limit.")
  static final class Migration implements Callable<Integer> {
    @Option(
        names = "--quick",
        description = "2 x 256 MiB, one round, two runs per limit (default: 2 x 1 GiB, 3, 5)")
    boolean quick;

    @CommandLine.Mixin BenchOutput output;

    @Option(names = "--memdev-mib", paramLabel = "N", description = "size of each memdev")
    Integer memdevMib;

    @Option(names = "--rounds", paramLabel = "N", description = "throughput rounds (0: none)")
    Integer rounds;

    @Option(
        names = "--warmup-rounds",
        paramLabel = "N",
        description = "rounds first run and shown but not counted (default 1, --quick 0)")
    Integer warmupRounds;

    @Option(
        names = "--limits-ms",
        paramLabel = "MS",
        split = ",",
        description = "downtime limits to run (default 300,100)")
    List<Integer> limits;

    @Option(names = "--runs", paramLabel = "N", description = "downtime runs per limit (0: none)")
    Integer runs;

    @Option(
        names = "--dirty-rate",
        paramLabel = "PAGES",
        description = "pages each memdev dirties per second during downtime runs (default 20000)")
    Double dirtyRate;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Backends.requireEmulated(spec, EMULATED_ONLY);
      MigrationBench.Options o = checked(this::options);
      MigrationBench.Result r = MigrationBench.run(o, System.err);
      output.print(spec, () -> json(r), r.table());
      String shortfall = r.shortfall();
      if (shortfall != null && !output.json) {
        spec.commandLine().getErr().println("jvfio bench migration: " + shortfall);
      }
      return shortfall == null ? 0 : 1;
    }

    MigrationBench.Options options() {
      MigrationBench.Options o =
          quick ? MigrationBench.Options.quick() : MigrationBench.Options.standard();
      o = option(o, "--memdev-mib", memdevMib, x -> x.withMemdevMib(memdevMib));
      o = option(o, "--rounds", rounds, x -> x.withRounds(rounds));
      o = option(o, "--warmup-rounds", warmupRounds, x -> x.withWarmupRounds(warmupRounds));
      o = option(o, "--limits-ms", limits, x -> x.withLimits(limits));
      o = option(o, "--runs", runs, x -> x.withRunsPerLimit(runs));
      return option(o, "--dirty-rate", dirtyRate, x -> x.withDirtyRate(dirtyRate));
    }
  }

  /** {@code jvfio bench guest-ram}: the demo's VM over loopback TCP against the downtime limit. */
  @Command(
      name = "guest-ram",
      mixinStandardHelpOptions = true,
      description =
          "Live-migrate the demo's VM (guest RAM, half random and half zero, and the demo host's"
              + " devices, with their workloads and DMA into guest RAM at the demo's rates) between"
              + " two hosts in this JVM over loopback TCP, several times: each run's downtime at"
              + " both ends against the default 300 ms limit, RAM and device bytes on the wire and"
              + " the digests of both ends; first one run with the workloads off shows the"
              + " half-zero RAM's bytes on the wire against its size. Exits 1 when a run is over"
              + " the limit or the digests differ.")
  static final class GuestRam implements Callable<Integer> {
    @Option(names = "--quick", description = "2 runs of 256 MiB (default: 5 runs of 1024 MiB)")
    boolean quick;

    @CommandLine.Mixin BenchOutput output;

    @Option(names = "--runs", paramLabel = "N", description = "runs with the workloads, 1-100")
    Integer runs;

    @Option(
        names = "--guest-ram-mib",
        paramLabel = "N",
        description = "the VM's guest RAM in MiB, 1-16384")
    Integer guestRamMib;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Backends.requireEmulated(spec, EMULATED_ONLY);
      GuestRamBench.Options o = checked(this::options);
      GuestRamBench.Result r =
          GuestRamBench.run(o, Main.verbosity(spec) == Logging.Verbosity.QUIET ? null : System.err);
      output.print(spec, () -> json(r), r.table());
      return r.ok() ? 0 : 1;
    }

    GuestRamBench.Options options() {
      GuestRamBench.Options o =
          GuestRamBench.Options.standard(
              Integer.parseInt(DemoCommand.MEMDEV_MIB_DEFAULT),
              Double.parseDouble(Checks.DIRTY_RATE_DEFAULT),
              DemoMigration.DMA_WRITES_PER_SECOND,
              Double.parseDouble(DemoCommand.GUEST_DIRTY_RATE_DEFAULT));
      if (quick) {
        o = o.quick();
      }
      o = option(o, "--runs", runs, x -> x.withRuns(runs));
      return option(o, "--guest-ram-mib", guestRamMib, x -> x.withGuestRamMib(guestRamMib));
    }
  }

  /** {@code jvfio bench scale}: growth of per-call costs for 16 times the size. */
  @Command(
      name = "scale",
      mixinStandardHelpOptions = true,
      description =
          "Time host calls at a size and at 16 times that size in one JMH run (hot-reset INFO and"
              + " HOT_RESET on 16 and 256 dev_set members, Topology.parse and new Host on 256 and"
              + " 4096 functions, IOAS_MAP next to 10k and 160k mappings, ALLOW_IOVAS of 10k and"
              + " 160k ranges, IOAS_ALLOC next to 10k and 160k objects) and show the ratio of the"
              + " two times against the target of 20 (linear: 16). Exits 1 when a ratio is over.")
  static final class Scale implements Callable<Integer> {
    @Option(
        names = "--quick",
        description = "short iterations (about 70 s instead of about 3 minutes); noisier")
    boolean quick;

    @CommandLine.Mixin JmhOptions jmh;

    @CommandLine.Mixin BenchOutput output;

    @Option(
        names = "--reduced",
        description = "IOVA sizes divided by ten (1000 -> 16000): shorter set-up")
    boolean reduced;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Backends.requireEmulated(spec, EMULATED_ONLY);
      ScaleRatios.Options o = checked(this::options);
      announce(spec, "scale", o);
      ScaleRatios.Result r = ScaleRatios.run(o, verbose(spec) ? System.err : null);
      output.print(spec, () -> json(r), r.table());
      return r.allWithinTarget() ? 0 : 1;
    }

    ScaleRatios.Options options() {
      ScaleRatios.Options o = quick ? ScaleRatios.Options.quick() : ScaleRatios.Options.standard();
      o = jmh.apply(o);
      return reduced ? o.withReduced(true) : o;
    }
  }

  /** The scale bench's JSON: times in nanoseconds per call; failed when a ratio is over. */
  static BenchJson.Scale json(ScaleRatios.Result r) {
    ScaleRatios.Options o = r.options();
    List<BenchJson.ScaleRatio> rows = new ArrayList<>();
    long over = 0;
    for (ScaleRatios.Ratio x : r.ratios()) {
      rows.add(
          new BenchJson.ScaleRatio(
              x.row().call(),
              x.row().unit(),
              x.row().small(),
              x.row().large(),
              Math.round(x.smallNanos()),
              Math.round(x.largeNanos()),
              CliJson.round(x.ratio(), 2),
              x.withinTarget()));
      over += x.withinTarget() ? 0 : 1;
    }
    return new BenchJson.Scale(
        over == 0 ? CliJson.OK : CliJson.FAILED,
        "scale",
        ScaleRatios.TARGET,
        jmh(o),
        rows,
        over == 0
            ? null
            : Plural.of(over, "ratio")
                + " of "
                + rows.size()
                + " over the target of "
                + Checks.show(ScaleRatios.TARGET)
                + "x");
  }

  /** The JMH settings a ratio bench ran with, as its JSON shows them. */
  private static BenchJson.JmhRun jmh(JmhRunOptions<?> o) {
    return new BenchJson.JmhRun(
        o.forks(),
        o.warmupIterations(),
        o.warmupTime().toMillis(),
        o.iterations(),
        o.iterationTime().toMillis());
  }

  /** The migration bench's JSON. */
  static BenchJson.Migration json(MigrationBench.Result r) {
    MigrationBench.Options o = r.options();
    List<BenchJson.Round> rounds = new ArrayList<>();
    for (MigrationBench.Round x : r.rounds()) {
      rounds.add(
          new BenchJson.Round(
              x.bytes(),
              Math.round(x.rawBytesPerSec()),
              Math.round(x.migrationBytesPerSec()),
              CliJson.round(x.ratio(), 4),
              x.warmup(),
              x.rawCpu().sourceNanos(),
              x.rawCpu().destinationNanos(),
              x.migrationCpu().sourceNanos(),
              x.migrationCpu().destinationNanos()));
    }
    List<BenchJson.Run> runs = new ArrayList<>();
    for (MigrationBench.Run x : r.runs()) {
      runs.add(
          new BenchJson.Run(
              x.limitMs(),
              x.completed(),
              CliJson.round(x.sourceDowntimeMs(), 3),
              CliJson.round(x.destinationDowntimeMs(), 3),
              x.withinLimit(),
              x.stopCopyBytes(),
              x.totalMs(),
              x.error()));
    }
    String shortfall = r.shortfall();
    return new BenchJson.Migration(
        shortfall == null ? CliJson.OK : CliJson.FAILED,
        "migration",
        o.memdevMib(),
        2,
        o.dirtyRate(),
        rounds,
        Double.isNaN(r.medianRatio()) ? null : CliJson.round(r.medianRatio(), 4),
        BigDecimal.valueOf(MigrationBench.THROUGHPUT_TARGET),
        r.throughputMet(),
        r.downtimeKept(),
        runs,
        shortfall);
  }

  /** The guest RAM bench's JSON. */
  static BenchJson.GuestRam json(GuestRamBench.Result r) {
    GuestRamBench.Options o = r.options();
    List<BenchJson.GuestRamRun> runs = new ArrayList<>();
    for (GuestRamBench.Run x : r.runs()) {
      runs.add(json(x));
    }
    String failure = r.failure();
    return new BenchJson.GuestRam(
        failure == null ? CliJson.OK : CliJson.FAILED,
        "guest-ram",
        o.guestRamMib(),
        o.memdevMib(),
        o.dirtyRate(),
        o.dmaRate(),
        o.vcpuRate(),
        json(r.halfZero()),
        CliJson.round(r.halfZero().wireRatio(), 4),
        runs,
        failure);
  }

  private static BenchJson.GuestRamRun json(GuestRamBench.Run x) {
    return new BenchJson.GuestRamRun(
        x.completed(),
        CliJson.round(x.sourceDowntimeMs(), 3),
        CliJson.round(x.destinationDowntimeMs(), 3),
        CliJson.round(x.limitMs(), 3),
        x.withinLimit(),
        x.ramBytes(),
        x.ramBytesSent(),
        x.ramZeroPages(),
        x.deviceBytes(),
        x.ramStopCopyBytes(),
        x.ramStopCopyEstimateBytes(),
        x.trackingMethod(),
        x.digestsEqual(),
        x.totalMs(),
        x.error());
  }

  /** The data fd bench's JSON: rates in bytes per second. */
  static BenchJson.DataFd json(DataFdRatios.Result r) {
    DataFdRatios.Options o = r.options();
    List<BenchJson.DataFdRatio> rows = new ArrayList<>();
    for (DataFdRatios.Ratio x : r.ratios()) {
      rows.add(
          new BenchJson.DataFdRatio(
              x.direction(),
              x.chunkBytes(),
              Math.round(x.dataFdBytesPerSecond()),
              Math.round(x.copyBytesPerSecond()),
              CliJson.round(x.ratio(), 4)));
    }
    return new BenchJson.DataFd(CliJson.OK, "datafd", o.memoryMib(), jmh(o), rows);
  }
}
