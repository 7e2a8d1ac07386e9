package io.jvfio.cli;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationReceiver;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.report.Progress;
import io.jvfio.migration.report.Summary;
import io.jvfio.migration.report.Terminal;
import io.jvfio.migration.report.TimelinePlot;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.transport.TcpTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jvfio migrate send|receive}: live migration between two processes over TCP. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = "Live-migrate devices between two jvfio hosts over TCP.",
    subcommands = {MigrateCommand.Send.class, MigrateCommand.Receive.class})
final class MigrateCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options both ends share. */
  static class Common {
    @Option(
        names = "--topology",
        paramLabel = "FILE",
        description = "the host (default: the demo host)")
    Path topology;

    @Option(
        names = "--memdev-mib",
        paramLabel = "N",
        defaultValue = "64",
        description = "memory of each memdev device in MiB (default: ${DEFAULT-VALUE})")
    long memdevMib;

    @Option(names = "--json", description = "print one JSON object instead of the summary")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "write a timeline plot")
    Path plot;

    @Option(
        names = "--timeout-ms",
        paramLabel = "N",
        defaultValue = "30000",
        description =
            "the longest wait for the peer: to connect or be connected, for each record or"
                + " message, for each write (default: ${DEFAULT-VALUE})")
    long timeoutMs;

    @Option(
        names = "--deadline-ms",
        paramLabel = "N",
        defaultValue = "600000",
        description =
            "the whole migration must end within this, else it fails and the devices run on at"
                + " the source (default: ${DEFAULT-VALUE})")
    long deadlineMs;

    MigrationOptions options() {
      return MigrationOptions.defaults()
          .withPeerTimeout(Duration.ofMillis(timeoutMs))
          .withDeadline(Duration.ofMillis(deadlineMs));
    }

    MemDevice.Config memdev(double rate) {
      return MemDevice.Config.defaults().withMemorySize(memdevMib << 20).withDirtyRate(rate);
    }

    /** The progress display of this command, finished before the result is printed. */
    private Progress shown;

    /**
     * The progress display on {@code err} (standard error), redrawn in place only when standard
     * error itself is a terminal; none with --json.
     */
    ProgressListener progress(PrintWriter err) {
      if (json) {
        return ProgressListener.NONE;
      }
      shown =
          new Progress(
              err, Terminal.progressModeForStderr(), this instanceof Receive ? "received" : "sent");
      return shown;
    }

    /**
     * Ends the progress line, prints the result (summary or JSON), then writes the plot: a plot
     * that cannot be written is one more line on {@code err} and changes neither the result nor the
     * exit code (0 for a completed migration: the devices moved, whatever became of the picture).
     */
    int finish(MigrationReport report, PrintWriter out, PrintWriter err) {
      if (shown != null) {
        shown.finish();
      }
      out.println(json ? Summary.json(report) : Summary.text(report));
      out.flush();
      if (plot != null) {
        try {
          TimelinePlot.write(report, plot);
        } catch (IOException | RuntimeException e) {
          String command = "jvfio migrate " + (this instanceof Receive ? "receive" : "send");
          err.println(command + ": cannot write the plot " + plot + ": " + TimelinePlot.reason(e));
          err.flush();
        }
      }
      return report.completed() ? 0 : 1;
    }
  }

  @Command(
      name = "send",
      mixinStandardHelpOptions = true,
      description = "Migrate this host's devices to a receiver.")
  static final class Send extends Common implements Callable<Integer> {
    @Option(names = "--to", required = true, paramLabel = "HOST:PORT", description = "the receiver")
    String to;

    @Option(
        names = "--devices",
        split = ",",
        paramLabel = "BDF,...",
        description = "which devices (default: every migratable one)")
    List<String> devices;

    @Option(
        names = "--downtime-ms",
        paramLabel = "N",
        defaultValue = "300",
        description = "the downtime limit (default: ${DEFAULT-VALUE})")
    long downtimeMs;

    @Option(
        names = "--dirty-rate",
        paramLabel = "PAGES/S",
        defaultValue = "2000",
        description = "memdev workload: pages dirtied per second (default: ${DEFAULT-VALUE})")
    double dirtyRate;

    @Option(
        names = "--switchover-ack",
        description = "wait for the receiver to approve the switchover")
    boolean switchoverAck;

    @Option(
        names = "--max-precopy-ms",
        paramLabel = "N",
        defaultValue = "30000",
        description =
            "how long precopy may try to converge before --on-no-convergence applies (default:"
                + " ${DEFAULT-VALUE})")
    long maxPrecopyMs;

    @Option(
        names = "--on-no-convergence",
        paramLabel = "WHAT",
        defaultValue = "keep-iterating",
        description =
            "when precopy has not converged within --max-precopy-ms: keep-iterating (until the"
                + " deadline, as QEMU), fail, or switchover (the overrun is reported)"
                + " (default: ${DEFAULT-VALUE})")
    String onNoConvergence;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      MigrationOptions options;
      try {
        options =
            options()
                .withDowntimeLimit(Duration.ofMillis(downtimeMs))
                .withSwitchoverAck(switchoverAck)
                .withMaxPrecopy(Duration.ofMillis(maxPrecopyMs))
                .withOnNoConvergence(noConvergence(onNoConvergence));
      } catch (IllegalArgumentException e) {
        err.println("jvfio migrate send: " + e.getMessage());
        return 2;
      }
      try (Host host = MigrationHosts.build(topology, memdev(0))) {
        HostProcess vmm = host.process("vmm");
        List<MigratingDevice> list =
            MigrationHosts.open(host, vmm, MigrationHosts.select(host, devices));
        MigrationHosts.startWorkloads(host, dirtyRate, 1);
        Channel ch;
        try {
          ch = TcpTransport.connect(TcpTransport.parse(to), Duration.ofMillis(timeoutMs));
        } catch (IOException e) {
          err.println("jvfio migrate send: cannot reach the receiver: " + e.getMessage());
          return 1;
        }
        MigrationReport report = new MigrationSource(list, ch, options, progress(err)).run();
        ch.close();
        return finish(report, out, err);
      } catch (IllegalArgumentException e) {
        err.println("jvfio migrate send: " + e.getMessage());
        return 2;
      }
    }
  }

  static MigrationOptions.NoConvergence noConvergence(String text) {
    return switch (text) {
      case "keep-iterating" -> MigrationOptions.NoConvergence.KEEP_ITERATING;
      case "fail" -> MigrationOptions.NoConvergence.FAIL;
      case "switchover" -> MigrationOptions.NoConvergence.SWITCHOVER;
      default ->
          throw new IllegalArgumentException(
              "--on-no-convergence '" + text + "' is not one of keep-iterating, fail, switchover");
    };
  }

  @Command(
      name = "receive",
      mixinStandardHelpOptions = true,
      description = "Wait for one migration and run the devices it brings.")
  static final class Receive extends Common implements Callable<Integer> {
    @Option(
        names = "--listen",
        required = true,
        paramLabel = "HOST:PORT",
        description = "where to listen")
    String listen;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      MigrationOptions options;
      try {
        options = options();
      } catch (IllegalArgumentException e) {
        err.println("jvfio migrate receive: " + e.getMessage());
        return 2;
      }
      try (Host host = MigrationHosts.build(topology, memdev(0))) {
        HostProcess vmm = host.process("vmm");
        List<MigratingDevice> list =
            MigrationHosts.open(host, vmm, MigrationHosts.select(host, null));
        try (TcpListener listener = TcpTransport.listen(TcpTransport.parse(listen))) {
          if (!json) {
            err.println(
                "jvfio migrate receive: listening on "
                    + TcpTransport.format(listener.localAddress()));
            err.flush();
          }
          MigrationReceiver receiver =
              new MigrationReceiver(
                  listener,
                  list,
                  options,
                  progress(err),
                  line -> {
                    err.println("jvfio migrate receive: " + line);
                    err.flush();
                  });
          MigrationReport report = receiver.run(Duration.ofMillis(timeoutMs));
          if (report == null) {
            err.println(
                "jvfio migrate receive: no sender started a migration within " + timeoutMs + " ms");
            return 1;
          }
          return finish(report, out, err);
        }
      } catch (IllegalArgumentException e) {
        err.println("jvfio migrate receive: " + e.getMessage());
        return 2;
      }
    }
  }
}
