package io.jvfio.cli;

import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.migration.engine.DirtyTracking;
import io.jvfio.migration.engine.GuestRam;
import io.jvfio.migration.engine.MigratingDevice;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationReceiver;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.engine.Vcpu;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
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
  private static final System.Logger LOG = System.getLogger(MigrateCommand.class.getName());

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw UsageException.noSubcommand(spec);
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
        description =
            "memory of each memdev device in MiB, 1 to 65536, and all of them within the JVM's"
                + " device memory budget (default: ${DEFAULT-VALUE})")
    long memdevMib;

    @Option(
        names = "--guest-ram-mib",
        paramLabel = "N",
        defaultValue = "0",
        description =
            "guest RAM of the VM in MiB, 0 (none: only device state moves) to 16384, mapped at"
                + " IOVA 0 for the devices and migrated with them; both ends must give the same"
                + " (default: ${DEFAULT-VALUE})")
    long guestRamMib;

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
                + " message, for each write; on the sender also for a device's data to be ready"
                + " (a real driver's read can wait for the device); 1 to 86400000 (default:"
                + " ${DEFAULT-VALUE})")
    long timeoutMs;

    @Option(
        names = "--deadline-ms",
        paramLabel = "N",
        defaultValue = "600000",
        description =
            "the whole migration must end within this, else it fails and the devices run on at"
                + " the source; 1 to 86400000 (default: ${DEFAULT-VALUE})")
    long deadlineMs;

    @Option(
        names = "--devices",
        split = ",",
        paramLabel = "DEV,...",
        description =
            "which devices (default: every migratable one): PCI addresses, and with --backend"
                + " native also mdev UUIDs or cdev paths; sender and receiver must name the same"
                + " devices in the same order")
    List<String> devices;

    /**
     * The host's topology, read and checked with the options: the devices to migrate ({@code
     * devices}, null: all; {@code typed}: as given) are there and the memdev memory fits the
     * budget. Nothing is built yet.
     */
    TopologyInput host(List<String> devices, String typed) {
      long bytes = Checks.memdevMib("--memdev-mib", memdevMib);
      Checks.plot("--plot", plot);
      TopologyInput input = TopologyInput.read("--topology", topology);
      MigrationHosts.check(input, devices, typed);
      Checks.fitsBudget(
          "--memdev-mib",
          memdevMib,
          input.memdevBytes(bytes),
          Plural.of(input.memdevCount(), "memdev device") + " of " + memdevMib + " MiB");
      return input;
    }

    /**
     * {@code --guest-ram-mib} in bytes: the emulator's VMM maps guest RAM for its devices; a native
     * VMM would map it for kernel devices the same way, but jvfio does not do that yet.
     */
    long guestRam(boolean onNative) {
      long bytes = Checks.guestRamMib("--guest-ram-mib", guestRamMib);
      if (onNative && bytes != 0) {
        throw UsageException.of(
            "--guest-ram-mib",
            guestRamMib,
            "only with --backend emulated for now: jvfio does not yet map guest RAM for kernel"
                + " devices (give 0, or leave it out)");
      }
      return bytes;
    }

    /** The progress display, unless {@code --quiet}. */
    ProgressListener progressUnlessQuiet(PrintWriter err, CommandLine.Model.CommandSpec spec) {
      return Main.verbosity(spec) == Logging.Verbosity.QUIET
          ? ProgressListener.NONE
          : progress(err);
    }

    /** The options both ends share, checked: a bad one is a {@link UsageException}. */
    MigrationOptions options() {
      return MigrationOptions.defaults()
          .withPeerTimeout(Checks.wait("--timeout-ms", timeoutMs))
          .withDeadline(Checks.wait("--deadline-ms", deadlineMs));
    }

    MemDevice.Config memdev(double rate) {
      return MemDevice.Config.defaults()
          .withMemorySize(Checks.memdevMib("--memdev-mib", memdevMib))
          .withDirtyRate(rate)
          .withDmaRate(DemoMigration.DMA_WRITES_PER_SECOND);
    }

    /** The progress display of this command, finished before the result is printed. */
    private Progress shown;

    /** Ends the progress line (idempotent); nothing when there is no display. */
    void endProgress() {
      if (shown != null) {
        shown.finish();
      }
    }

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
      return finish(report, out, err, null);
    }

    /**
     * As {@link #finish(MigrationReport, PrintWriter, PrintWriter)}; {@code note} ends the text.
     */
    int finish(MigrationReport report, PrintWriter out, PrintWriter err, String note) {
      endProgress();
      String text = Summary.text(report);
      if (note != null) {
        text = text.endsWith("\n") ? text + note : text + "\n" + note;
      }
      out.println(json ? Summary.json(report) : text);
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
        names = "--downtime-ms",
        paramLabel = "N",
        defaultValue = "300",
        description = "the downtime limit, 1 to 3600000 (default: ${DEFAULT-VALUE})")
    long downtimeMs;

    @Option(
        names = "--dirty-rate",
        paramLabel = "PAGES/S",
        defaultValue = Checks.DIRTY_RATE_DEFAULT,
        description =
            "memdev workload: pages each memdev dirties per second, 0 to 1000000 (default:"
                + " ${DEFAULT-VALUE}, as jvfio demo and the migration bench: 78 MiB/s, which a"
                + " loopback migration outpaces many times over)")
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
            "how long precopy may try to converge before --on-no-convergence applies, 1 to"
                + " 86400000 (default: ${DEFAULT-VALUE})")
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

    @Option(
        names = "--guest-dirty-rate",
        paramLabel = "PAGES/S",
        defaultValue = "0",
        description =
            "with --guest-ram-mib: pages of guest RAM a simulated vCPU writes per second, 0 to"
                + " 1000000 (default: ${DEFAULT-VALUE})")
    double guestDirtyRate;

    @Option(
        names = "--guest-dirty-tracking",
        paramLabel = "HOW",
        defaultValue = "auto",
        description =
            "with --guest-ram-mib: how the devices' writes to guest RAM are found: auto (device"
                + " DMA logging when every device has it, else iommufd dirty tracking, else none),"
                + " dma-logging, iommufd, or none (every page is resent at stop-copy)"
                + " (default: ${DEFAULT-VALUE})")
    String guestDirtyTracking;

    @Option(
        names = "--auto-converge",
        description =
            "with --guest-ram-mib: throttle the vCPU while it dirties guest RAM faster than"
                + " precopy moves it (QEMU's auto-converge: 20 %, then 10 points more each time"
                + " two periods of a second dirtied more than half of what was sent, up to 99 %)")
    boolean autoConverge;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      MigrationOptions options =
          options()
              .withDowntimeLimit(
                  Checks.millis("--downtime-ms", downtimeMs, Checks.DOWNTIME_MS_MAX, "an hour"))
              .withSwitchoverAck(switchoverAck)
              .withMaxPrecopy(Checks.wait("--max-precopy-ms", maxPrecopyMs))
              .withOnNoConvergence(noConvergence(onNoConvergence))
              .withAutoConverge(autoConverge);
      boolean onNative = Main.backend(spec) == BackendKind.native_;
      if (onNative) {
        MigrationHosts.refuseEmulatorOptions(spec, "--topology", "--memdev-mib", "--dirty-rate");
      }
      double rate = Checks.dirtyRate("--dirty-rate", dirtyRate);
      long ramBytes = guestRam(onNative);
      double vcpuRate = Checks.guestDirtyRate("--guest-dirty-rate", guestDirtyRate);
      DirtyTracking.Choice tracking =
          Checks.dirtyTracking("--guest-dirty-tracking", guestDirtyTracking);
      if (ramBytes == 0) {
        // a vCPU or a tracking method without guest RAM would be silently ignored
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String o : new String[] {"--guest-dirty-rate", "--guest-dirty-tracking"}) {
          if (parsed.hasMatchedOption(o)) {
            throw UsageException.of(
                o,
                parsed.matchedOption(o).stringValues().getLast(),
                "only with --guest-ram-mib N (N > 0): the VM has no guest RAM");
          }
        }
        if (autoConverge) {
          throw new UsageException(
              "--auto-converge: only with --guest-ram-mib N (N > 0): the VM has no guest RAM"
                  + " whose vCPU it could throttle");
        }
      }
      InetSocketAddress receiver = Checks.address("--to", to);
      if (receiver.getPort() == 0) {
        throw UsageException.of(
            "--to", to, "port 0 means any free port when listening; give the receiver's port");
      }
      if (onNative) {
        return sendNative(options, receiver);
      }
      List<String> wanted = devices == null ? null : Checks.bdfs("--devices", devices);
      MemDevice.Config memdev = memdev(0);
      TopologyInput input = host(wanted, devices == null ? null : String.join(",", devices));
      InetSocketAddress target = resolve(receiver);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      // the display starts before the host is built: building and filling memory take a while
      ProgressListener progress = progressUnlessQuiet(err, spec);
      try {
        progress.step("building the source host from " + input.name());
        try (Host host = Hosts.build("the source host", input, Models.registry(memdev))) {
          HostProcess vmm = host.process("vmm");
          MigrationHosts.Vm vm =
              MigrationHosts.openVm(
                  host, vmm, MigrationHosts.select(host, wanted), ramBytes, tracking);
          if (vm.ram() != null) {
            progress.step("filling half the guest RAM with random data");
            MigrationHosts.fillHalf(vm.ram(), 1);
          }
          progress.step("filling the memdev memory with random data");
          MigrationHosts.startWorkloads(host, rate, 1);
          try (Vcpu vcpu =
              vm.ram() != null && vcpuRate > 0 ? Vcpu.start(vm.ram(), vcpuRate, 1) : null) {
            progress.step("connecting to " + Addresses.format(target));
            Channel ch = connect(target);
            MigrationReport report =
                new MigrationSource(vm.devices(), vm.ram(), ch, options, progress).run();
            ch.close();
            return finish(report, out, err);
          }
        }
      } finally {
        endProgress(); // a failure's line must not run into the progress line
      }
    }

    /**
     * The source on this machine's kernel: the devices sysfs shows (or {@code --devices} names),
     * opened as a VMM opens them; no workload runs and no digest is taken.
     */
    private int sendNative(MigrationOptions options, InetSocketAddress receiver)
        throws IOException {
      Checks.plot("--plot", plot);
      InetSocketAddress target = resolve(receiver);
      Backend backend = Backends.open(spec, null);
      List<StateDevices.Chosen> chosen = MigrationHosts.chooseNative(backend, devices);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ProgressListener progress = progressUnlessQuiet(err, spec);
      try (Backend.Session s = backend.session("vmm");
          MigrationHosts.Opened opened = MigrationHosts.openNative(s.sys(), chosen)) {
        progress.step("connecting to " + Addresses.format(target));
        Channel ch = connect(target);
        MigrationReport report = new MigrationSource(opened.devices(), ch, options, progress).run();
        ch.close();
        return finish(report, out, err, MigrationHosts.NO_DIGESTS);
      } finally {
        endProgress();
      }
    }

    private Channel connect(InetSocketAddress target) {
      try {
        return TcpTransport.connect(target, Duration.ofMillis(timeoutMs));
      } catch (IOException e) {
        String why = Failures.oneLine(e.getMessage());
        throw new CommandFailure(
            "cannot reach the receiver: "
                + why
                + (why.endsWith("?)") ? "" : "; is jvfio migrate receive listening there?"),
            Failures.describe(e).errno(),
            e);
      }
    }

    /** A host name is looked up before any host is built: a typo costs no building. */
    private static InetSocketAddress resolve(InetSocketAddress a) {
      if (!a.isUnresolved()) {
        return a;
      }
      try {
        return new InetSocketAddress(InetAddress.getByName(a.getHostString()), a.getPort());
      } catch (UnknownHostException e) {
        throw new CommandFailure(
            "cannot resolve the receiver's host name "
                + a.getHostString()
                + "; check the spelling or give an IP address",
            null,
            e);
      }
    }
  }

  static MigrationOptions.NoConvergence noConvergence(String text) {
    return switch (text) {
      case "keep-iterating" -> MigrationOptions.NoConvergence.KEEP_ITERATING;
      case "fail" -> MigrationOptions.NoConvergence.FAIL;
      case "switchover" -> MigrationOptions.NoConvergence.SWITCHOVER;
      default ->
          throw UsageException.of(
              "--on-no-convergence", text, "must be keep-iterating, fail or switchover");
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
      MigrationOptions options = options();
      boolean onNative = Main.backend(spec) == BackendKind.native_;
      if (onNative) {
        MigrationHosts.refuseEmulatorOptions(spec, "--topology", "--memdev-mib");
      }
      long ramBytes = guestRam(onNative);
      InetSocketAddress address = Checks.address("--listen", listen);
      if (onNative) {
        return receiveNative(options, address);
      }
      List<String> wanted = devices == null ? null : Checks.bdfs("--devices", devices);
      MemDevice.Config memdev = memdev(0);
      TopologyInput input = host(wanted, devices == null ? null : String.join(",", devices));
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      // listening comes first: a port in use fails before seconds of building a host
      try (TcpListener listener = listen(address);
          Host host = Hosts.build("the destination host", input, Models.registry(memdev))) {
        HostProcess vmm = host.process("vmm");
        MigrationHosts.Vm vm =
            MigrationHosts.openVm(
                host,
                vmm,
                MigrationHosts.select(host, wanted),
                ramBytes,
                DirtyTracking.Choice.AUTO);
        return receive(listener, address, vm.devices(), vm.ram(), options, out, err, null);
      }
    }

    /**
     * The destination on this machine's kernel: the devices sysfs shows (or {@code --devices}
     * names), opened as a VMM opens them; no digest is taken.
     */
    private int receiveNative(MigrationOptions options, InetSocketAddress address)
        throws IOException {
      Checks.plot("--plot", plot);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (TcpListener listener = listen(address)) {
        Backend backend = Backends.open(spec, null);
        List<StateDevices.Chosen> chosen = MigrationHosts.chooseNative(backend, devices);
        try (Backend.Session s = backend.session("vmm");
            MigrationHosts.Opened opened = MigrationHosts.openNative(s.sys(), chosen)) {
          return receive(
              listener,
              address,
              opened.devices(),
              null,
              options,
              out,
              err,
              MigrationHosts.NO_DIGESTS);
        }
      }
    }

    /** Says where it listens, waits for one migration into {@code list}, and reports it. */
    private int receive(
        TcpListener listener,
        InetSocketAddress address,
        List<MigratingDevice> list,
        GuestRam ram,
        MigrationOptions options,
        PrintWriter out,
        PrintWriter err,
        String note)
        throws IOException {
      // also with --json: a script learns the port from it (stdout keeps the one object)
      String where = Addresses.format(Addresses.listening(address, listener.localAddress()));
      err.println("jvfio migrate receive: listening on " + where);
      err.flush();
      MigrationReceiver receiver =
          new MigrationReceiver(
              listener,
              list,
              ram,
              options,
              progressUnlessQuiet(err, spec),
              line -> LOG.log(System.Logger.Level.WARNING, line));
      MigrationReport report;
      try {
        report = receiver.run(Duration.ofMillis(timeoutMs));
      } finally {
        endProgress(); // a failure's line must not run into the progress line
      }
      if (report == null) {
        throw new CommandFailure(
            "no sender started a migration within "
                + timeoutMs
                + " ms (--timeout-ms); start jvfio migrate send --to "
                + where
                + " sooner, or wait longer",
            "ETIMEDOUT");
      }
      return finish(report, out, err, note);
    }

    private static TcpListener listen(InetSocketAddress address) {
      try {
        return TcpTransport.listen(address);
      } catch (IOException e) {
        String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        throw new CommandFailure(
            "cannot listen on "
                + Addresses.format(address)
                + ": "
                + Failures.oneLine(why)
                + "; choose another address or port (port 0: any free one)",
            Failures.errnoInText(e),
            e);
      }
    }
  }
}
