package io.jvfio.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code jvfio} command. Exit codes: 0 success, 1 a failure at run time, 2 a usage error
 * (reported by {@link ErrorReporter}).
 */
@Command(
    name = "jvfio",
    mixinStandardHelpOptions = true,
    version = "jvfio 0.1.0",
    description = "VFIO migration toolkit for the JVM: an emulated Linux VFIO host and its tools.",
    subcommands = {
      DemoCommand.class,
      TopologyCommand.class,
      FsmCommand.class,
      ResetCommand.class,
      ConformanceCommand.class,
      CompareCommand.class,
      MigrateCommand.class,
      StateCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description =
          "say more on stderr: the setup steps (building hosts, device memory), JMH's own output,"
              + " and the stack trace of a failure")
  boolean verbose;

  @Option(
      names = "--quiet",
      scope = ScopeType.INHERIT,
      description = "say only errors on stderr: no progress, no warnings")
  boolean quiet;

  @Option(
      names = "--backend",
      scope = ScopeType.INHERIT,
      paramLabel = "emulated|native",
      description =
          "where the devices are: jvfio's emulated host, or this machine's /dev/vfio and"
              + " /dev/iommu with the devices sysfs shows (default: ${DEFAULT-VALUE})",
      defaultValue = "emulated")
  String backend;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line on stdout and stderr and returns the exit code. */
  public static int run(String... args) {
    Charset cs = Charset.defaultCharset();
    return run(new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args);
  }

  /** Runs the command line writing to {@code out} and {@code err}; returns the exit code. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(out, err, CommandLine.defaultFactory(), args);
  }

  /**
   * As {@link #run(PrintWriter, PrintWriter, String...)}, with the commands made by {@code factory}
   * (tests give a command a host they keep).
   */
  static int run(PrintWriter out, PrintWriter err, CommandLine.IFactory factory, String... args) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main, factory);
    ErrorReporter reporter = new ErrorReporter();
    cli.setOut(out)
        .setErr(err)
        .setParameterExceptionHandler(reporter)
        .setExecutionExceptionHandler(reporter)
        .setExecutionStrategy(main::execute);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** After parsing, before the command runs: the log is set up for this command line. */
  private int execute(CommandLine.ParseResult parsed) {
    CommandLine last = parsed.asCommandLineList().getLast();
    if (verbose && quiet) {
      throw new CommandLine.ParameterException(last, "--verbose and --quiet: choose one");
    }
    try {
      BackendKind.parse(backend);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          last, "--backend " + backend + ": " + e.getMessage());
    }
    if (last.getCommand() instanceof CompareCommand && backendGiven(parsed)) {
      // the option is inherited by every command; one that opens no device must not take it
      throw new CommandLine.ParameterException(
          last,
          "--backend "
              + backend
              + ": jvfio compare reads two JSON files and opens no devices; give --backend to the"
              + " conformance or fsm runs whose outputs it compares");
    }
    Logging.configure(verbosity(), last.getErr(), last.getCommandSpec().qualifiedName());
    try {
      return new CommandLine.RunLast().execute(parsed);
    } catch (VirtualMachineError e) {
      // picocli hands only Exceptions to the handler; an OutOfMemoryError gets a sentence too
      throw new CommandLine.ExecutionException(last, "the JVM failed", e);
    }
  }

  /** Whether --backend was given anywhere on the command line (before or after a subcommand). */
  private static boolean backendGiven(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--backend")) {
        return true;
      }
    }
    return false;
  }

  Logging.Verbosity verbosity() {
    return quiet
        ? Logging.Verbosity.QUIET
        : verbose ? Logging.Verbosity.VERBOSE : Logging.Verbosity.NORMAL;
  }

  /** The verbosity the command line of {@code spec} asked for (normal outside {@link Main}). */
  static Logging.Verbosity verbosity(CommandLine.Model.CommandSpec spec) {
    return spec.root().userObject() instanceof Main m ? m.verbosity() : Logging.Verbosity.NORMAL;
  }

  /** The backend the command line of {@code spec} asked for (emulated outside {@link Main}). */
  static BackendKind backend(CommandLine.Model.CommandSpec spec) {
    return spec.root().userObject() instanceof Main m && m.backend != null
        ? BackendKind.parse(m.backend)
        : BackendKind.emulated;
  }

  @Override
  public void run() {
    throw UsageException.noSubcommand(spec);
  }
}
