package io.jvfio.cli;

import picocli.CommandLine.Model.CommandSpec;

/**
 * The command line asked for something that cannot be done as written: a value out of range, a
 * missing or unreadable input file, options that exclude each other. Exit code 2. The message names
 * the option, the value and what is allowed, without the command's name, which the reporter adds.
 */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }

  UsageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** "{@code --option value}: {@code what}", the form every option check uses. */
  static UsageException of(String option, Object value, String what) {
    return new UsageException(option + " " + value + ": " + what);
  }

  /** A command that only groups subcommands was given none. */
  static UsageException noSubcommand(CommandSpec spec) {
    return new UsageException(
        "a subcommand is needed: "
            + String.join(", ", ErrorReporter.subcommands(spec))
            + " (see "
            + spec.qualifiedName()
            + " --help)");
  }
}
