package io.jvfio.migration.report;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether a progress display draws on a terminal. The JDK answers this only for the console ({@code
 * System.console().isTerminal()} looks at standard input and output), but progress goes to standard
 * error, which is often redirected alone ({@code 2> log}); so standard error is asked directly:
 * {@code isatty(2)} through the foreign function linker, else (no C library to link) whether {@code
 * /proc/self/fd/2} names a terminal device.
 */
public final class Terminal {
  /** The setting that overrides the detection: {@code tty}, {@code log} or {@code off}. */
  public static final String ENVIRONMENT = "JVFIO_PROGRESS";

  /** The same as a system property (for JVFIO_JAVA_OPTS and tests); it wins over the variable. */
  public static final String PROPERTY = "jvfio.progress";

  private Terminal() {}

  /**
   * How progress is drawn on standard error: as {@value #PROPERTY} or {@value #ENVIRONMENT} says
   * when one is set to tty, log or off; otherwise {@link Progress.Mode#TTY} when standard error is
   * a terminal whose TERM is not "dumb", {@link Progress.Mode#LOG} when it is not.
   */
  public static Progress.Mode progressModeForStderr() {
    String setting = System.getProperty(PROPERTY);
    if (setting == null) {
      setting = System.getenv(ENVIRONMENT);
    }
    return mode(setting, isTerminal(2), System.getenv("TERM"));
  }

  /** The mode for a stream: {@code setting} first, then whether it is a terminal, and TERM. */
  static Progress.Mode mode(String setting, boolean terminal, String term) {
    if (setting != null) {
      switch (setting.strip().toLowerCase(Locale.ROOT)) {
        case "tty" -> {
          return Progress.Mode.TTY;
        }
        case "log" -> {
          return Progress.Mode.LOG;
        }
        case "off" -> {
          return Progress.Mode.OFF;
        }
        default -> {} // not a mode: detect, as without a setting
      }
    }
    return terminal && !"dumb".equals(term) ? Progress.Mode.TTY : Progress.Mode.LOG;
  }

  /** Whether file descriptor {@code fd} of this process is a terminal. */
  public static boolean isTerminal(int fd) {
    try {
      return (int) IsAtty.HANDLE.invokeExact(fd) == 1;
    } catch (RuntimeException | LinkageError e) {
      // no C library to link, or native access denied: ask /proc instead
      return procSaysTerminal(fd);
    } catch (Throwable e) {
      throw new IllegalStateException("isatty(" + fd + ") failed", e);
    }
  }

  private static boolean procSaysTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/")
          || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (Exception e) {
      return false; // no /proc: not a system where a terminal can be told apart; log lines are safe
    }
  }

  /** isatty(3), linked once on first use. */
  private static final class IsAtty {
    static final MethodHandle HANDLE =
        Linker.nativeLinker()
            .downcallHandle(
                Linker.nativeLinker().defaultLookup().find("isatty").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  }
}
