package io.jvfio.cli;

import io.jvfio.cli.json.CliJson;
import io.jvfio.cli.json.Failure;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every error of every command reaches the user, in one place: one line on stderr, "jvfio
 * migrate send: --downtime-ms 0: must be 1 to 3600000 ms (an hour)", and with {@code --json} also
 * one JSON object on stdout. Usage errors (picocli's parse errors and {@link UsageException}) exit
 * 2; a failure at run time exits 1 and names its errno where there is one. A stack trace only with
 * {@code --verbose}.
 */
final class ErrorReporter
    implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
  private static final System.Logger LOG = System.getLogger(ErrorReporter.class.getName());

  static final int FAILED = 1;
  static final int USAGE = 2;

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    String hint = " (see " + cl.getCommandSpec().qualifiedName() + " --help)";
    report(cl, args, Failure.usage(parseError(ex)), hint);
    return USAGE;
  }

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
    Throwable t = ex instanceof ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
    String[] args = parseResult.originalArgs().toArray(String[]::new);
    if (t instanceof UsageException u) {
      report(cl, args, Failure.usage(Failures.oneLine(u.getMessage())), "");
      return USAGE;
    }
    Failures.Described d = Failures.describe(t);
    String errno = d.errno() != null && !d.sentence().contains(d.errno()) ? d.errno() : null;
    report(
        cl, args, Failure.failed(d.sentence(), d.errno()), errno == null ? "" : " (" + errno + ")");
    LOG.log(Level.DEBUG, "the stack trace of that failure:", t);
    return FAILED;
  }

  /** The line on stderr; the object on stdout when the command line asked for JSON. */
  private static void report(CommandLine cl, String[] args, Failure f, String suffix) {
    PrintWriter err = cl.getErr();
    err.println(cl.getCommandSpec().qualifiedName() + ": " + f.error() + suffix);
    err.flush();
    if (wantsJson(args)) {
      PrintWriter out = cl.getOut();
      out.println(CliJson.line(f));
      out.flush();
    }
  }

  /** Whether {@code --json} (or {@code --json-array}) is among the options. */
  static boolean wantsJson(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--json") || a.equals("--json-array")) {
        return true;
      }
    }
    return false;
  }

  /** A parse error as one sentence naming the option and the value. */
  static String parseError(ParameterException ex) {
    CommandSpec spec = ex.getCommandLine().getCommandSpec();
    return switch (ex) {
      case UnmatchedArgumentException u -> unmatched(u, spec);
      case MissingParameterException m -> missing(m);
      case OverwrittenOptionException o ->
          name(o.getOverwritten()) + " is given twice; give it once";
      default -> {
        ArgSpec a = ex.getArgSpec();
        String value = ex.getValue();
        if (a != null && value != null) {
          yield name(a) + " " + value + ": " + typeError(a, value, ex.getMessage());
        }
        yield lowerFirst(ex.getMessage());
      }
    };
  }

  private static String unmatched(UnmatchedArgumentException u, CommandSpec spec) {
    List<String> unmatched = u.getUnmatched();
    String arg = unmatched.isEmpty() ? "" : unmatched.getFirst();
    if (arg.startsWith("-")) {
      List<String> like = u.getSuggestions();
      return "unknown option "
          + arg
          + (like.isEmpty() ? "" : "; did you mean " + String.join(" or ", like) + "?");
    }
    List<String> subcommands = subcommands(spec);
    if (!subcommands.isEmpty()) {
      return "unknown subcommand "
          + arg
          + "; the subcommands are "
          + String.join(", ", subcommands);
    }
    return "unexpected argument " + arg;
  }

  private static String missing(MissingParameterException m) {
    List<ArgSpec> specs = m.getMissing();
    if (specs == null || specs.isEmpty()) {
      return lowerFirst(m.getMessage());
    }
    if (m.getMessage().startsWith("Missing required parameter for option")) {
      ArgSpec a = specs.getFirst();
      return name(a) + " needs a value (" + a.paramLabel() + ")";
    }
    return "missing "
        + specs.stream()
            .map(a -> a.isOption() ? name(a) + " " + a.paramLabel() : a.paramLabel())
            .collect(Collectors.joining(", "));
  }

  /** Why {@code value} is no value of {@code a}'s type. */
  private static String typeError(ArgSpec a, String value, String picocliMessage) {
    Class<?> type = a.auxiliaryTypes().length > 0 ? a.auxiliaryTypes()[0] : a.type();
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
      return value.matches("[-+]?\\d+") ? "too large" : "not a whole number";
    }
    if (type == double.class || type == Double.class) {
      return "not a number";
    }
    if (type.isEnum()) {
      return "must be one of "
          + Arrays.stream(type.getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    return lowerFirst(picocliMessage);
  }

  /** The subcommands of {@code spec} a user would pick (picocli's "help" left out). */
  static List<String> subcommands(CommandSpec spec) {
    return spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
  }

  private static String name(ArgSpec a) {
    return a instanceof OptionSpec o ? o.longestName() : a.paramLabel();
  }

  private static String lowerFirst(String s) {
    return s == null || s.isEmpty() ? "" : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }
}
