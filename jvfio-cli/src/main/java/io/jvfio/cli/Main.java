package io.jvfio.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jvfio} command. */
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
      MigrateCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (0 success, 1 failure, 2 usage). */
  public static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
