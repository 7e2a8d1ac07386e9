package io.jvfio.bench;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.TcpChannel;
import io.jvfio.migration.transport.TcpTransport;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Live migration between two JVMs over loopback TCP, against the wire itself. This JVM is the
 * source; a {@link BenchPeer} JVM is the destination and a raw TCP sink.
 *
 * <ul>
 *   <li><b>Throughput</b>: the demo host's two memdev, no workload, migrated; right before each
 *       migration, the same number of bytes sent raw over TCP to the other JVM from one direct
 *       buffer of the engine's read size. The ratio is migration bytes/s over raw bytes/s (1.0: the
 *       engine moves device state as fast as the socket moves bytes).
 *   <li><b>Downtime</b>: the same devices with their workloads dirtying memory, migrated again and
 *       again under each downtime limit; each run's downtime as the source measured it and as the
 *       destination reports it (they must be equal), and whether it kept the limit.
 * </ul>
 */
public final class MigrationBench {
  private MigrationBench() {}

  /** The engine's data fd read size, used by the raw baseline too. */
  static final int BUFFER_BYTES = MigrationOptions.DEFAULT_CHUNK;

  /** How long any one step may take before the bench gives up (every wait has a deadline). */
  static final Duration STEP_LIMIT = Duration.ofMinutes(5);

  public record Options(
      int memdevMib,
      int rounds,
      List<Integer> limitsMs,
      int runsPerLimit,
      double dirtyRate,
      int warmupRounds) {
    public Options {
      Bounds.check(memdevMib, 1, Bounds.MEMDEV_MIB, "the memdev size", " MiB");
      Bounds.check(rounds, 0, 100, "throughput rounds", "");
      Bounds.check(warmupRounds, 0, 100, "warm-up rounds", "");
      Bounds.check(runsPerLimit, 0, 100, "downtime runs per limit", "");
      limitsMs = List.copyOf(limitsMs);
      for (int l : limitsMs) {
        Bounds.check(l, 1, 3_600_000, "a downtime limit", " ms");
      }
      Bounds.rate(dirtyRate, "the dirty rate", " pages/s");
    }

    /**
     * 2 x 1 GiB; one warm-up round (fresh JVMs: shown, not counted) and 3 measured rounds; 300 and
     * 100 ms, 5 runs each.
     */
    public static Options standard() {
      return new Options(1024, 3, List.of(300, 100), 5, 20000, 1);
    }

    /** A smaller, shorter run: 2 x 256 MiB, one round, two runs per limit. */
    public static Options quick() {
      return new Options(256, 1, List.of(300, 100), 2, 20000, 0);
    }

    public Options withMemdevMib(int mib) {
      return new Options(mib, rounds, limitsMs, runsPerLimit, dirtyRate, warmupRounds);
    }

    public Options withRounds(int n) {
      return new Options(memdevMib, n, limitsMs, runsPerLimit, dirtyRate, warmupRounds);
    }

    public Options withLimits(List<Integer> l) {
      return new Options(memdevMib, rounds, l, runsPerLimit, dirtyRate, warmupRounds);
    }

    public Options withRunsPerLimit(int n) {
      return new Options(memdevMib, rounds, limitsMs, n, dirtyRate, warmupRounds);
    }

    public Options withDirtyRate(double r) {
      return new Options(memdevMib, rounds, limitsMs, runsPerLimit, r, warmupRounds);
    }

    public Options withWarmupRounds(int n) {
      return new Options(memdevMib, rounds, limitsMs, runsPerLimit, dirtyRate, n);
    }
  }

  /**
   * One throughput round: the raw transfer and the migration of the same bytes; a warm-up round
   * runs in JVMs that have not migrated before (what a CLI user sees) and is not counted.
   */
  public record Round(
      long bytes,
      double rawBytesPerSec,
      double migrationBytesPerSec,
      boolean warmup,
      Cpu rawCpu,
      Cpu migrationCpu) {
    public double ratio() {
      return migrationBytesPerSec / rawBytesPerSec;
    }
  }

  /**
   * CPU time both JVMs used during one transfer (every thread: the JIT's and the collector's too),
   * read from the OS before it and, for a migration, when an end starts the SHA-256 digests of its
   * report (they are no part of the transfer). Under load from other processes a throughput ratio
   * wobbles, CPU time per byte much less: it tells which end costs what.
   */
  public record Cpu(long sourceNanos, long destinationNanos) {
    public double sourceNanosPerByte(long bytes) {
      return sourceNanos / (double) bytes;
    }

    public double destinationNanosPerByte(long bytes) {
      return destinationNanos / (double) bytes;
    }
  }

  /** A running total of CPU time of this JVM and the peer's. */
  private static long[] cpuNow(Peer peer) {
    return new long[] {cpuNanos(ProcessHandle.current()), cpuNanos(peer.process.toHandle())};
  }

  private static Cpu cpuSince(long[] before, Peer peer) {
    long[] now = cpuNow(peer);
    return new Cpu(now[0] - before[0], now[1] - before[1]);
  }

  /** This process's CPU time when an engine first names a step (its report's digests). */
  static final class CpuAtStep implements ProgressListener {
    private long nanos = -1;

    @Override
    public void step(String what) {
      if (nanos < 0) {
        nanos = cpuNanos(ProcessHandle.current());
      }
    }

    /** The CPU time at the first step, or now when there was none. */
    long nanos() {
      return nanos >= 0 ? nanos : cpuNanos(ProcessHandle.current());
    }
  }

  static long cpuNanos(ProcessHandle p) {
    return ProcessCpu.nanos(p);
  }

  /** One downtime run. */
  public record Run(
      int limitMs,
      boolean completed,
      double sourceDowntimeMs,
      double destinationDowntimeMs,
      long totalMs,
      long stopCopyBytes,
      String error) {
    public boolean withinLimit() {
      return completed && sourceDowntimeMs <= limitMs;
    }

    /** The destination's figure travels as text with three decimals. */
    public boolean endsAgree() {
      return completed && Math.abs(sourceDowntimeMs - destinationDowntimeMs) < 0.0015;
    }
  }

  /** Issue 8's throughput target: the median ratio of migration to raw TCP, at least this. */
  public static final double THROUGHPUT_TARGET = 0.85;

  public record Result(Options options, List<Round> rounds, List<Run> runs) {
    /** The median ratio reached {@link #THROUGHPUT_TARGET} (true without measured rounds). */
    public boolean throughputMet() {
      double m = medianRatio();
      return Double.isNaN(m) || m >= THROUGHPUT_TARGET;
    }

    /** Every downtime run completed within its limit, both ends reporting the same downtime. */
    public boolean downtimeKept() {
      return runs.stream().allMatch(r -> r.withinLimit() && r.endsAgree());
    }

    /** Null when every target was met, else a sentence naming what was not. */
    public String shortfall() {
      List<String> missed = new ArrayList<>();
      if (!throughputMet()) {
        missed.add(
            String.format(
                Locale.ROOT,
                "the median throughput ratio %.3f is below the target of %.2f",
                medianRatio(),
                THROUGHPUT_TARGET));
      }
      long bad = runs.stream().filter(r -> !(r.withinLimit() && r.endsAgree())).count();
      if (bad > 0) {
        missed.add(
            bad
                + " of "
                + runs.size()
                + " downtime runs failed, went over their limit or the ends disagreed");
      }
      return missed.isEmpty() ? null : String.join("; ", missed);
    }

    /** The median ratio of the measured rounds (NaN without any). */
    public double medianRatio() {
      double[] r =
          rounds.stream().filter(x -> !x.warmup()).mapToDouble(Round::ratio).sorted().toArray();
      if (r.length == 0) {
        return Double.NaN;
      }
      return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
    }

    public List<Run> runsAt(int limitMs) {
      return runs.stream().filter(r -> r.limitMs() == limitMs).toList();
    }

    /** A table a person can read. */
    public String table() {
      StringBuilder b = new StringBuilder();
      Options o = options;
      b.append(
          String.format(
              Locale.ROOT,
              "migration bench: 2 memdev x %d MiB, two JVMs over loopback TCP%n",
              o.memdevMib()));
      if (!rounds.isEmpty()) {
        b.append(
            String.format(
                Locale.ROOT,
                "%nthroughput (no workload); CPU: ns per byte of both JVMs, source+destination%n"
                    + "  round  bytes         raw TCP      migration    ratio  CPU raw    CPU migration%n"));
        for (int i = 0; i < rounds.size(); i++) {
          Round r = rounds.get(i);
          b.append(
              String.format(
                  Locale.ROOT,
                  "  %5s  %-12d  %7.1f MB/s  %7.1f MB/s  %5.3f  %.2f+%.2f  %.2f+%.2f%n",
                  r.warmup() ? "warm" : Integer.toString(i + 1 - o.warmupRounds()),
                  r.bytes(),
                  r.rawBytesPerSec() / 1e6,
                  r.migrationBytesPerSec() / 1e6,
                  r.ratio(),
                  r.rawCpu().sourceNanosPerByte(r.bytes()),
                  r.rawCpu().destinationNanosPerByte(r.bytes()),
                  r.migrationCpu().sourceNanosPerByte(r.bytes()),
                  r.migrationCpu().destinationNanosPerByte(r.bytes())));
        }
        b.append(
            String.format(
                Locale.ROOT,
                "  median ratio %.3f, target %.2f: %s (the warm-up round runs in fresh JVMs and is"
                    + " not counted)%n",
                medianRatio(),
                THROUGHPUT_TARGET,
                throughputMet() ? "met" : "NOT met"));
      }
      for (int limit : o.limitsMs()) {
        List<Run> at = runsAt(limit);
        if (at.isEmpty()) {
          continue;
        }
        b.append(
            String.format(
                Locale.ROOT,
                "%ndowntime, limit %d ms, workload %.0f pages/s per memdev%n"
                    + "  run  source ms  destination ms  stop-copy bytes  total ms  verdict%n",
                limit,
                o.dirtyRate()));
        for (int i = 0; i < at.size(); i++) {
          Run r = at.get(i);
          String verdict =
              !r.completed()
                  ? "FAILED: " + r.error()
                  : (r.withinLimit() ? "within" : "OVER")
                      + (r.endsAgree() ? "" : " (the ends disagree)");
          b.append(
              String.format(
                  Locale.ROOT,
                  "  %3d  %9.3f  %14.3f  %15d  %8d  %s%n",
                  i + 1,
                  r.sourceDowntimeMs(),
                  r.destinationDowntimeMs(),
                  r.stopCopyBytes(),
                  r.totalMs(),
                  verdict));
        }
        long within = at.stream().filter(Run::withinLimit).count();
        b.append(
            String.format(
                Locale.ROOT, "  %d of %d within the %d ms limit%n", within, at.size(), limit));
      }
      return b.toString();
    }
  }

  /** Runs the bench; {@code log} (may be null) gets a line per step. */
  public static Result run(Options o, PrintStream log) throws IOException, InterruptedException {
    long memBytes = (long) o.memdevMib() << 20;
    try (Peer peer = Peer.start(o.memdevMib());
        Host host = DemoHost.build(MemDevice.Config.defaults().withMemorySize(memBytes))) {
      say(log, "source host built; destination JVM ready");
      List<MigratingDevice> devices = BenchPeer.open(host, host.process("vmm"));
      long seed = 1;
      for (String bdf : BenchPeer.DEVICES) {
        ((MemDevice) host.device(bdf).orElseThrow().model()).fillRandom(seed++);
      }
      ByteBuffer raw = randomDirect(BUFFER_BYTES);
      List<Round> rounds = new ArrayList<>();
      for (int i = 0; i < o.warmupRounds() + o.rounds(); i++) {
        boolean warmup = i < o.warmupRounds();
        setRate(host, 0);
        long expect = 0;
        // the same bytes as the migration: memory plus the device stream's framing
        for (MigratingDevice d : devices) {
          expect += d.device().migration().stopCopySize();
        }
        long[] cpu0 = cpuNow(peer);
        double rawRate = rawTransfer(peer.rawPort, raw, expect);
        Cpu rawCpu = cpuSince(cpu0, peer);
        long[] cpu1 = cpuNow(peer);
        Migrated m = migrate(peer, devices, MigrationOptions.defaults());
        Cpu migrationCpu =
            new Cpu(m.sourceCpuAtDigests() - cpu1[0], m.destinationCpuAtDigests() - cpu1[1]);
        if (!m.source().completed()) {
          throw new IOException("throughput round failed: " + m.source().error());
        }
        List<String> sent = m.source().devices().stream().map(d -> d.digest()).toList();
        if (!String.join(",", sent).equals(m.destinationDigests())) {
          throw new IOException(
              "the destination's devices differ from the source's: "
                  + sent
                  + " vs "
                  + m.destinationDigests());
        }
        long moved = bytes(m.source());
        // the engine's own total: from its start to the destination's confirmation, without the
        // SHA-256 digests the reports compute afterwards
        Round r =
            new Round(
                moved, rawRate, moved / (m.source().totalMs() / 1e3), warmup, rawCpu, migrationCpu);
        rounds.add(r);
        say(
            log,
            String.format(
                Locale.ROOT,
                "round %s: raw %.1f MB/s, migration %.1f MB/s, ratio %.3f",
                warmup ? "warm-up" : Integer.toString(i + 1 - o.warmupRounds()),
                rawRate / 1e6,
                r.migrationBytesPerSec() / 1e6,
                r.ratio()));
        resume(devices);
      }
      List<Run> runs = new ArrayList<>();
      for (int limit : o.limitsMs()) {
        for (int i = 0; i < o.runsPerLimit(); i++) {
          setRate(host, o.dirtyRate());
          MigrationOptions mo =
              MigrationOptions.defaults().withDowntimeLimit(Duration.ofMillis(limit));
          Migrated m = migrate(peer, devices, mo);
          MigrationReport s = m.source();
          long stopCopy = 0;
          for (var d : s.devices()) {
            stopCopy += d.stopCopyBytes();
          }
          Run run =
              new Run(
                  limit,
                  s.completed() && m.destinationCompleted(),
                  s.downtimeMs(),
                  m.destinationDowntimeMs(),
                  s.totalMs(),
                  stopCopy,
                  s.error() != null ? s.error() : m.destinationError());
          runs.add(run);
          say(
              log,
              String.format(
                  Locale.ROOT,
                  "limit %d ms run %d: downtime %.3f ms (destination %.3f ms)%s",
                  limit,
                  i + 1,
                  run.sourceDowntimeMs(),
                  run.destinationDowntimeMs(),
                  run.completed() ? "" : " FAILED: " + run.error()));
          setRate(host, 0);
          resume(devices);
        }
      }
      return new Result(o, rounds, runs);
    }
  }

  private static void say(PrintStream log, String line) {
    if (log != null) {
      log.println("jvfio bench migration: " + line);
      log.flush();
    }
  }

  private static long bytes(MigrationReport r) {
    long n = 0;
    for (var d : r.devices()) {
      n += d.precopyBytes() + d.stopCopyBytes();
    }
    return n;
  }

  private static void setRate(Host host, double rate) {
    for (String bdf : BenchPeer.DEVICES) {
      ((MemDevice) host.device(bdf).orElseThrow().model()).setDirtyRate(rate);
    }
  }

  /** After a completed migration the source devices are stopped: run them again for the next. */
  private static void resume(List<MigratingDevice> devices) {
    for (MigratingDevice d : devices) {
      if (d.device().migration().state() != MigrationState.RUNNING) {
        d.device().migration().set(MigrationState.RUNNING);
      }
    }
  }

  private static ByteBuffer randomDirect(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return ByteBuffer.allocateDirect(n).put(b).flip();
  }

  /** Sends {@code bytes} raw and returns bytes per second, from connect to the sink's ack. */
  static double rawTransfer(int port, ByteBuffer buf, long bytes) throws IOException {
    InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    try (SocketChannel c = SocketChannel.open(to)) {
      c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      long t0 = System.nanoTime();
      c.write(ByteBuffer.allocate(8).putLong(0, bytes));
      long left = bytes;
      while (left > 0) {
        buf.clear();
        if (left < buf.capacity()) {
          buf.limit((int) left);
        }
        while (buf.hasRemaining()) {
          left -= c.write(buf);
        }
      }
      ByteBuffer ack = ByteBuffer.allocate(1);
      c.socket().setSoTimeout((int) STEP_LIMIT.toMillis());
      if (c.socket().getInputStream().read() < 0) {
        throw new IOException("the raw sink closed without its ack");
      }
      return bytes / ((System.nanoTime() - t0) / 1e9);
    }
  }

  record Migrated(
      MigrationReport source,
      long wallNanos,
      boolean destinationCompleted,
      double destinationDowntimeMs,
      String destinationDigests,
      String destinationError,
      long sourceCpuAtDigests,
      long destinationCpuAtDigests) {}

  private static Migrated migrate(Peer peer, List<MigratingDevice> devices, MigrationOptions o)
      throws IOException, InterruptedException {
    InetSocketAddress to =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.migratePort);
    MigrationReport s;
    long wall;
    CpuAtStep atDigests = new CpuAtStep();
    try (TcpChannel ch = TcpTransport.connect(to, Duration.ofSeconds(10))) {
      long t0 = System.nanoTime();
      s = new MigrationSource(devices, ch, o, atDigests).run();
      wall = System.nanoTime() - t0;
    }
    String line = peer.nextResult();
    boolean ok = line.contains(" completed=true ");
    double downtime = Double.parseDouble(field(line, "downtimeMs"));
    String error = line.substring(line.indexOf(" error=") + 7);
    return new Migrated(
        s,
        wall,
        ok,
        downtime,
        field(line, "digests"),
        error.isEmpty() ? null : error,
        atDigests.nanos(),
        Long.parseLong(field(line, "cpuNanos")));
  }

  private static String field(String line, String name) {
    int at = line.indexOf(" " + name + "=");
    if (at < 0) {
      throw new IllegalStateException("the destination JVM's line lacks " + name + ": " + line);
    }
    int from = at + name.length() + 2;
    int to = line.indexOf(' ', from);
    return line.substring(from, to < 0 ? line.length() : to);
  }

  /** The destination JVM. */
  static final class Peer implements AutoCloseable {
    final Process process;
    final int rawPort;
    final int migratePort;
    final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Peer(Process process, Path stderr) throws IOException, InterruptedException {
      this.process = process;
      this.stderr = stderr;
      BufferedReader r =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      Thread.ofPlatform()
          .daemon()
          .name("bench-peer-stdout")
          .start(() -> {
            try {
              for (String l; (l = r.readLine()) != null; ) {
                lines.add(l);
              }
            } catch (IOException e) {
              // the peer exited
            }
            lines.add("EOF");
          });
      String ready = next("READY");
      rawPort = Integer.parseInt(field(ready, "raw"));
      migratePort = Integer.parseInt(field(ready, "migrate"));
    }

    static Peer start(int memdevMib) throws IOException, InterruptedException {
      String java =
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      Path err = Files.createTempFile("jvfio-bench-peer", ".log");
      long heapMib = Math.max(512, Runtime.getRuntime().maxMemory() >> 20);
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.add("-Xmx" + Math.min(heapMib, 4096) + "m");
      cmd.add("--enable-native-access=ALL-UNNAMED");
      // as the jvfio launcher: no young collection inside a migration's downtime
      cmd.add("-Xmn256m");
      // extra options for the destination JVM (a profiler, GC logging), split on spaces
      String extra = System.getenv("JVFIO_BENCH_PEER_OPTS");
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      cmd.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              BenchPeer.class.getName(),
              Integer.toString(memdevMib),
              "30000"));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.redirectError(err.toFile());
      Process p = pb.start();
      try {
        return new Peer(p, err);
      } catch (IOException | RuntimeException e) {
        p.destroyForcibly();
        throw e;
      }
    }

    String nextResult() throws IOException, InterruptedException {
      return next("RESULT");
    }

    private String next(String kind) throws IOException, InterruptedException {
      long until = System.nanoTime() + STEP_LIMIT.toNanos();
      while (true) {
        String l = lines.poll(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (l == null) {
          throw new IOException(
              "the destination JVM sent no "
                  + kind
                  + " line within "
                  + STEP_LIMIT.toMinutes()
                  + " minutes; its log: "
                  + stderr);
        }
        if (l.equals("EOF")) {
          throw new IOException("the destination JVM exited; its log: " + stderr + "\n" + tail());
        }
        if (l.startsWith(kind + " ") || l.equals(kind)) {
          return l;
        }
      }
    }

    private String tail() {
      try {
        List<String> all = Files.readAllLines(stderr);
        return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
      } catch (IOException e) {
        return "(unreadable: " + e.getMessage() + ")";
      }
    }

    @Override
    public void close() {
      try {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (IOException | InterruptedException e) {
        process.destroyForcibly();
      }
      try {
        Files.deleteIfExists(stderr);
      } catch (IOException e) {
        // a temporary file left behind
      }
    }
  }

  /** {@code java -cp ... io.jvfio.bench.MigrationBench [--quick]}. */
  public static void main(String[] args) throws Exception {
    Options o = args.length > 0 && args[0].equals("--quick") ? Options.quick() : Options.standard();
    System.out.print(run(o, System.err).table());
  }
}
