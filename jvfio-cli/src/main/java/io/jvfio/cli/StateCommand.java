package io.jvfio.cli;

import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.StateJson;
import io.jvfio.cli.json.StateMoveJson;
import io.jvfio.client.DeviceNode;
import io.jvfio.client.Migration;
import io.jvfio.client.VfioException;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvfio state save|load|move}: a device's migration state to a file, from a file, or from
 * one device into another, the way a VMM moves it: through the migration FSM and the device's data
 * fd, leaving every device RUNNING whatever happens.
 */
@Command(
    name = "state",
    mixinStandardHelpOptions = true,
    description =
        "Save a device's migration state to a file, load a saved state into a device, or move one"
            + " device's state into another, through the migration FSM and the data fd as a VMM"
            + " does; every device is left RUNNING.",
    subcommands = {StateCommand.Save.class, StateCommand.Load.class, StateCommand.Move.class})
final class StateCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw UsageException.noSubcommand(spec);
  }

  /**
   * Where a subcommand's devices come from. Tests hand in a host they keep, and play the guest: on
   * the emulator a memdev's memory is zeroed when the device is opened (vfio-pci resets a function
   * at its first open), so content to save can only be made after that.
   */
  interface Environment {
    Backend open(CommandLine.Model.CommandSpec spec, Path topology);

    /** Called once {@code node} is open and RUNNING, before its state moves; nothing by default. */
    default void opened(Backend backend, DeviceNode node) {}

    /** Called after the state moved, before {@code node} is closed; nothing by default. */
    default void closing(Backend backend, DeviceNode node) {}
  }

  /** Options all three share, and the steps they share. */
  abstract static class Common {
    @Option(
        names = "--topology",
        paramLabel = "FILE",
        description = "the emulated host (default: the demo host); not with --backend native")
    Path topology;

    @Option(names = "--json", description = "print one JSON object instead of the summary")
    boolean json;

    @Option(
        names = "--max-bytes",
        paramLabel = "N",
        defaultValue = "" + StateFiles.MAX_BYTES_DEFAULT,
        description =
            "the longest state to save, load or move, 1 to 1099511627776 (default: ${DEFAULT-VALUE},"
                + " 4 GiB)")
    long maxBytes;

    @Option(
        names = "--deadline-ms",
        paramLabel = "N",
        defaultValue = "600000",
        description =
            "the data must have moved within this, checked between data fd calls, 1 to 86400000"
                + " (default: ${DEFAULT-VALUE})")
    long deadlineMs;

    @Option(
        names = "--as",
        paramLabel = "cdev|group",
        description =
            "open the devices through their cdevs (each bound to an iommufd) or their groups (each"
                + " in a type1 container) (default: the cdev where the kernel has one)")
    OpenedDevice.As as;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    private final Environment source;

    /** The backend, once {@link #backend()} opened it. */
    private Backend backend;

    Common(Environment source) {
      this.source = source;
    }

    /** What the work on the opened devices gave, the states they ended in, and the time taken. */
    record Ended<T>(T moved, List<MigrationState> states, BigDecimal ms) {}

    /**
     * Opens {@code nodes} in one session, each as a VMM does, brings each to RUNNING (see {@link
     * StateCommand#fromRunning}), runs {@code work} on them, reads the state each ended in and
     * closes them; the tests see each device once it is ready and again before it is closed.
     */
    <T> Ended<T> withOpened(Function<List<OpenedDevice>, T> work, DeviceNode... nodes) {
      long start = System.nanoTime();
      T moved;
      List<MigrationState> states = new ArrayList<>();
      try (Backend.Session s = backend.session("state")) {
        List<OpenedDevice> opened = new ArrayList<>();
        try {
          for (DeviceNode n : nodes) {
            opened.add(OpenedDevice.open(s.sys(), n));
          }
          for (OpenedDevice d : opened) {
            fromRunning(d);
            source.opened(backend, d.node());
          }
          moved = work.apply(opened);
          for (OpenedDevice d : opened) {
            states.add(d.migration().state());
          }
          opened.forEach(d -> source.closing(backend, d.node()));
        } catch (RuntimeException e) {
          OpenedDevice.closeAll(opened.reversed(), e);
          throw e;
        }
        OpenedDevice.closeAll(opened.reversed(), null);
      }
      return new Ended<>(moved, states, millis(start));
    }

    long max() {
      return StateFiles.maxBytes("--max-bytes", maxBytes);
    }

    /**
     * The node to open {@code c} by, as {@code --as} asks: a usage error, before any device is
     * opened, when the device has no such node.
     */
    DeviceNode opening(StateDevices.Chosen c) {
      DeviceNode n = c.node();
      if (as == OpenedDevice.As.cdev && n.cdevPath() == null) {
        throw UsageException.of(
            "--as", "cdev", n.name() + " has no vfio cdev on this kernel; use --as group");
      }
      if (as == OpenedDevice.As.group) {
        if (n.groupPath() == null) {
          throw UsageException.of("--as", "group", n.name() + " has no group node; use --as cdev");
        }
        return new DeviceNode(
            n.name(), null, n.groupPath(), n.kind(), n.vendor(), n.deviceId(), n.driver());
      }
      return n;
    }

    /** How the devices were opened, for the output. */
    String how(DeviceNode opened) {
      return opened.cdevPath() != null ? "cdev" : "group";
    }

    StateStream.Deadline deadline() {
      return StateStream.Deadline.after(
          Checks.wait("--deadline-ms", deadlineMs).toMillis(), "--deadline-ms " + deadlineMs);
    }

    Backend backend() {
      backend = source.open(spec, topology);
      return backend;
    }

    void print(String text, Object jsonValue) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(json ? CliJson.line(jsonValue) + "\n" : text);
      out.flush();
    }
  }

  /** A subcommand on one device, named by {@code --device}. */
  abstract static class OneDevice extends Common {
    @Option(
        names = "--device",
        required = true,
        paramLabel = "DEV",
        description = "the device: a PCI address, an mdev's UUID, or a cdev path")
    String device;

    OneDevice(Environment source) {
      super(source);
    }
  }

  @Command(
      name = "save",
      mixinStandardHelpOptions = true,
      description =
          "Save a device's migration state to a file: RUNNING to STOP_COPY, the data fd to FILE,"
              + " then back to RUNNING. The file appears whole or not at all.")
  static final class Save extends OneDevice implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to save")
    Path out;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    Save() {
      this(Backends::open);
    }

    Save(Environment source) {
      super(source);
    }

    @Override
    public Integer call() {
      long max = max();
      StateStream.Deadline deadline = deadline();
      StateFiles.output("--out", out, force);
      Backend backend = backend();
      StateDevices.Chosen dev = StateDevices.migratable(backend, "--device", device);
      DeviceNode node = opening(dev);
      Ended<StateStream.Copied> ended =
          withOpened(ds -> save(ds.getFirst(), out, force, max, deadline), node);
      StateStream.Copied c = ended.moved();
      MigrationState after = ended.states().getFirst();
      BigDecimal ms = ended.ms();
      print(
          String.format(
              "saved the state of %s (%s, opened by its %s) to %s: %s, sha256 %s, in %s ms; %s is"
                  + " %s%n",
              dev.name(),
              dev.kind(),
              how(node),
              out,
              bytes(c.bytes()),
              c.sha256(),
              ms,
              dev.name(),
              after),
          new StateJson(
              CliJson.OK,
              backend.kind().shown(),
              "save",
              dev.name(),
              how(node),
              out.toString(),
              c.bytes(),
              c.sha256(),
              ms,
              after.name(),
              null));
      return 0;
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description =
          "Load a saved migration state into a device: RUNNING to RESUMING, FILE to the data fd,"
              + " then RUNNING. A state the driver refuses is a failure with its errno, and the"
              + " device is reset to RUNNING.")
  static final class Load extends OneDevice implements Callable<Integer> {
    @Option(names = "--in", required = true, paramLabel = "FILE", description = "the saved state")
    Path in;

    @Option(
        names = "--resave",
        paramLabel = "FILE2",
        description = "after loading, save the device's state again to FILE2")
    Path resave;

    @Option(names = "--force", description = "replace --resave if it exists")
    boolean force;

    Load() {
      this(Backends::open);
    }

    Load(Environment source) {
      super(source);
    }

    @Override
    public Integer call() {
      long max = max();
      StateStream.Deadline deadline = deadline();
      StateFiles.input("--in", in, max);
      if (resave != null) {
        StateFiles.output("--resave", resave, force);
      }
      Backend backend = backend();
      StateDevices.Chosen dev = StateDevices.migratable(backend, "--device", device);
      DeviceNode node = opening(dev);
      Ended<List<StateStream.Copied>> ended =
          withOpened(
              ds -> {
                OpenedDevice d = ds.getFirst();
                StateStream.Copied loaded = load(d, in, max, deadline);
                return resave == null
                    ? List.of(loaded)
                    : List.of(loaded, save(d, resave, force, max, deadline));
              },
              node);
      StateStream.Copied c = ended.moved().getFirst();
      StateStream.Copied again = resave == null ? null : ended.moved().getLast();
      MigrationState after = ended.states().getFirst();
      BigDecimal ms = ended.ms();
      String text =
          String.format(
              "loaded %s (%s, sha256 %s) into %s (%s) in %s ms; %s is %s%n",
              in, bytes(c.bytes()), c.sha256(), dev.name(), dev.kind(), ms, dev.name(), after);
      if (again != null) {
        text +=
            String.format(
                "saved its state again to %s: %s, sha256 %s (%s)%n",
                resave,
                bytes(again.bytes()),
                again.sha256(),
                again.sha256().equals(c.sha256()) ? "the same bytes" : "different bytes");
      }
      print(
          text,
          new StateJson(
              CliJson.OK,
              backend.kind().shown(),
              "load",
              dev.name(),
              how(node),
              in.toString(),
              c.bytes(),
              c.sha256(),
              ms,
              after.name(),
              again == null
                  ? null
                  : new StateJson.Saved(resave.toString(), again.bytes(), again.sha256())));
      return 0;
    }
  }

  @Command(
      name = "move",
      mixinStandardHelpOptions = true,
      description =
          "Move one device's migration state into another in this process, data fd to data fd"
              + " (STOP_COPY into RESUMING), as a migration does; both devices end RUNNING. They"
              + " must be two devices of one kind with the same migration flags.")
  static final class Move extends Common implements Callable<Integer> {
    @Option(
        names = "--from",
        required = true,
        paramLabel = "DEV",
        description = "the device whose state is saved")
    String from;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "DEV",
        description = "the device that resumes it")
    String to;

    Move() {
      this(Backends::open);
    }

    Move(Environment source) {
      super(source);
    }

    @Override
    public Integer call() {
      long max = max();
      StateStream.Deadline deadline = deadline();
      if (from.equals(to)) {
        throw UsageException.of("--to", to, "is --from too; a state moves between two devices");
      }
      Backend backend = backend();
      StateDevices.Chosen a = StateDevices.migratable(backend, "--from", from);
      StateDevices.Chosen b = StateDevices.migratable(backend, "--to", to);
      if (a.node().equals(b.node())) {
        throw UsageException.of(
            "--to",
            to,
            "names " + b.name() + ", the device --from names; a state moves between two devices");
      }
      if (!a.kind().equals(b.kind())) {
        throw UsageException.of(
            "--to",
            to,
            b.name()
                + " ("
                + b.kind()
                + ") is not of the kind of "
                + a.name()
                + " ("
                + a.kind()
                + "); a state moves only between devices of one kind and migration flags");
      }
      DeviceNode na = opening(a);
      DeviceNode nb = opening(b);
      Ended<StateStream.Copied> ended =
          withOpened(ds -> move(ds.getFirst(), ds.getLast(), max, deadline), na, nb);
      StateStream.Copied c = ended.moved();
      MigrationState afterA = ended.states().getFirst();
      MigrationState afterB = ended.states().getLast();
      BigDecimal ms = ended.ms();
      print(
          String.format(
              "moved the state of %s into %s (%s): %s, sha256 %s, in %s ms; %s is %s, %s is %s%n",
              a.name(),
              b.name(),
              a.kind(),
              bytes(c.bytes()),
              c.sha256(),
              ms,
              a.name(),
              afterA,
              b.name(),
              afterB),
          new StateMoveJson(
              CliJson.OK,
              backend.kind().shown(),
              a.name(),
              b.name(),
              how(na),
              c.bytes(),
              c.sha256(),
              ms,
              new StateMoveJson.States(afterA.name(), afterB.name())));
      return 0;
    }
  }

  // ---- the steps: each leaves its devices RUNNING, or says where they are ----

  /**
   * A device found outside RUNNING (an earlier user stopped it; mtty keeps its state across close)
   * is brought back first, so every run starts from the same place.
   */
  static void fromRunning(OpenedDevice d) {
    MigrationState now = d.migration().state();
    if (now != RUNNING && d.backToRunning() != RUNNING) {
      throw new CommandFailure(
          d.name()
              + " is in "
              + now
              + " and neither SET RUNNING nor VFIO_DEVICE_RESET brought it back to RUNNING;"
              + " nothing was done",
          "EBUSY");
    }
  }

  /**
   * Saves the state of {@code d} (RUNNING) to {@code out}: STOP_COPY, the stream to a temporary
   * file, STOP and RUNNING, and only then the file under its name.
   */
  static StateStream.Copied save(
      OpenedDevice d, Path out, boolean force, long max, StateStream.Deadline deadline) {
    Migration m = d.migration();
    try (AtomicFile file = AtomicFile.create(out)) {
      StateStream.Copied c;
      try {
        m.set(STOP_COPY);
        c = StateStream.save(m, d.name(), file::write, max, deadline);
        m.set(STOP); // ends the saving session
        m.set(RUNNING);
      } catch (IOException | RuntimeException e) {
        throw failed("saving the state of " + d.name() + " to " + out + " failed", e, d);
      }
      try {
        file.commit(force);
      } catch (FileAlreadyExistsException e) {
        throw new CommandFailure(
            out + " appeared while the state was saved; it was left alone, nothing was written",
            "EEXIST",
            e);
      }
      return c;
    } catch (IOException e) {
      throw new CommandFailure(
          "cannot write " + out + ": " + Failures.oneLine(e.getMessage()),
          Failures.errnoInText(e),
          e);
    }
  }

  /** Loads {@code in} into {@code d} (RUNNING): RESUMING, the file to the data fd, RUNNING. */
  static StateStream.Copied load(OpenedDevice d, Path in, long max, StateStream.Deadline deadline) {
    Migration m = d.migration();
    try (FileChannel ch = FileChannel.open(in, StandardOpenOption.READ)) {
      try {
        m.set(RESUMING);
        StateStream.Copied c = StateStream.load(ch, in.toString(), m, max, deadline);
        m.set(RUNNING); // RESUMING to STOP is where the driver takes the state
        return c;
      } catch (VfioException e) {
        throw failed(d.name() + " refused the state in " + in + ", nothing was loaded", e, d);
      } catch (IOException | RuntimeException e) {
        throw failed("loading " + in + " into " + d.name() + " failed", e, d);
      }
    } catch (IOException e) {
      throw new CommandFailure(
          "cannot read " + in + ": " + Failures.oneLine(e.getMessage()),
          Failures.errnoInText(e),
          e);
    }
  }

  /** Moves the state of {@code a} into {@code b}, both RUNNING before and after. */
  static StateStream.Copied move(
      OpenedDevice a, OpenedDevice b, long max, StateStream.Deadline deadline) {
    Migration ma = a.migration();
    Migration mb = b.migration();
    StateStream.Copied c;
    try {
      ma.set(STOP_COPY);
      mb.set(RESUMING);
      c = StateStream.save(ma, a.name(), mb::writeFully, max, deadline);
    } catch (IOException | RuntimeException e) {
      // which side failed: the message of the exception says (a write names the destination)
      throw failed("moving the state of " + a.name() + " into " + b.name() + " failed", e, a, b);
    }
    try {
      mb.set(RUNNING);
    } catch (RuntimeException e) {
      throw failed(
          b.name() + " refused the state of " + a.name() + ", nothing was loaded", e, a, b);
    }
    try {
      ma.set(STOP);
      ma.set(RUNNING);
    } catch (RuntimeException e) {
      throw failed(
          "the state of " + a.name() + " moved, but " + a.name() + " did not resume", e, a);
    }
    return c;
  }

  /**
   * A failure while devices were away from RUNNING: each is brought back, and the sentence says
   * {@code what} happened, why, and where the devices are now. The errno is the call's, when there
   * was one.
   */
  private static CommandFailure failed(String what, Throwable e, OpenedDevice... devices) {
    StringBuilder where = new StringBuilder();
    for (OpenedDevice d : devices) {
      MigrationState now = d.backToRunning();
      where.append("; ").append(d.name());
      where.append(
          now == RUNNING
              ? " is RUNNING"
              : now == null
                  ? "'s migration state is unknown (the device does not answer)"
                  : " was left in " + now + " (neither SET RUNNING nor a reset brought it back)");
    }
    String errno =
        switch (e) {
          case VfioException v -> v.errno() != null ? v.errno().name() : null;
          case CommandFailure f -> f.errno();
          case IOException io -> Failures.errnoInText(io);
          default -> Failures.describe(e).errno();
        };
    String why = Failures.oneLine(e.getMessage() == null ? e.toString() : e.getMessage());
    if ("EFAULT".equals(errno) && e instanceof VfioException v && v.call().startsWith("write(")) {
      why +=
          " (on a data fd a driver may answer EFAULT to content it does not accept: mtty does for"
              + " a header with another magic, version, flags or port count)";
    }
    return new CommandFailure(what + ": " + why + where, errno, e);
  }

  private static BigDecimal millis(long startNanos) {
    return CliJson.round((System.nanoTime() - startNanos) / 1e6, 1);
  }

  private static String bytes(long n) {
    return Plural.of(n, "byte");
  }
}
