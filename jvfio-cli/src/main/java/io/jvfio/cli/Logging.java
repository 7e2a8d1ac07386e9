package io.jvfio.cli;

import java.io.PrintWriter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The log of jvfio's code ({@link System.Logger}, on the JDK's java.util.logging): one line per
 * message on the command's stderr, as "jvfio demo: message" ("warning: " before a warning).
 * Configured once per run of the command line, from {@code --verbose} and {@code --quiet}.
 */
final class Logging {
  /** How much a run says on stderr besides its result and its errors. */
  enum Verbosity {
    /** Errors only, no progress. */
    QUIET(Level.SEVERE),
    /** Warnings and errors (the default). */
    NORMAL(Level.WARNING),
    /** Also the setup steps and details, and the stack trace of a failure. */
    VERBOSE(Level.FINE);

    final Level level;

    Verbosity(Level level) {
      this.level = level;
    }
  }

  /** Held here: java.util.logging keeps loggers only weakly, and would forget the setup. */
  private static final Logger JVFIO = Logger.getLogger("io.jvfio");

  private Logging() {}

  /** From now on jvfio's log goes to {@code err}, each line led by {@code command}. */
  static synchronized void configure(Verbosity v, PrintWriter err, String command) {
    for (Handler h : JVFIO.getHandlers()) {
      if (h instanceof OneLine) {
        JVFIO.removeHandler(h);
      }
    }
    OneLine handler = new OneLine(err, command, v == Verbosity.VERBOSE);
    handler.setLevel(v.level);
    JVFIO.addHandler(handler);
    JVFIO.setLevel(v.level);
    // not also the JDK's console handler on System.err
    JVFIO.setUseParentHandlers(false);
  }

  /**
   * Writes a record as one line; an exception it carries adds its message to the line, or, when
   * verbose, its stack trace after it.
   */
  private static final class OneLine extends Handler {
    private final PrintWriter err;
    private final String command;
    private final boolean traces;

    OneLine(PrintWriter err, String command, boolean traces) {
      this.err = err;
      this.command = command;
      this.traces = traces;
    }

    @Override
    public synchronized void publish(LogRecord r) {
      if (!isLoggable(r)) {
        return;
      }
      String label =
          r.getLevel().intValue() >= Level.SEVERE.intValue()
              ? "error: "
              : r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "";
      Throwable t = r.getThrown();
      String message = Failures.oneLine(r.getMessage());
      if (t != null && !traces) {
        message += ": " + Failures.describe(t).sentence();
      }
      err.println(command + ": " + label + message);
      if (t != null && traces) {
        t.printStackTrace(err);
      }
      err.flush();
    }

    @Override
    public void flush() {
      err.flush();
    }

    @Override
    public void close() {
      flush();
    }
  }
}
