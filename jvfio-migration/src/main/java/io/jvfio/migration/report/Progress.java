package io.jvfio.migration.report;

import io.jvfio.migration.engine.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The progress of a migration and of the long steps around it, written to one stream whose kind the
 * caller states ({@link Mode}; for standard error see {@link Terminal#progressModeForStderr}):
 *
 * <ul>
 *   <li>{@link Mode#TTY}: one line redrawn in place with {@code \r}, at most ten times a second
 *       except when the phase or step changes; {@link #finish()} draws the last state and ends the
 *       line, so that what is printed next starts on a line of its own.
 *   <li>{@link Mode#LOG}: plain lines, never a {@code \r}: one at each step and phase change, one
 *       every {@link #LOG_PERIOD_NANOS} while bytes move, and a last one at {@link #finish()}; each
 *       starts with the time since the first line.
 *   <li>{@link Mode#OFF}: nothing.
 * </ul>
 *
 * <p>A line reads {@code precopy 300 MiB sent, about 700 MiB left 85.0 MiB/s ETA 0:09}: the bytes
 * moved so far, the engine's current estimate of what is left, the rate and the time that leaves.
 * No total is shown: the estimate drops as dirty data is overwritten or found smaller, and a total
 * of moved plus left would then shrink; "about N left" says what the engine believes now. A rate
 * the engine does not know (a receiver) is measured here over {@link #RATE_WINDOW_NANOS} windows;
 * an unknown one is left out, never shown as 0.
 *
 * <p>Every method is synchronized: the engine thread reports while another thread may finish. Calls
 * after {@link #finish()} are ignored; callers finish in a {@code finally}, before they print what
 * follows.
 */
public final class Progress implements ProgressListener {
  /** Where the progress goes, as far as drawing is concerned. */
  public enum Mode {
    /** A terminal: redraw one line in place. */
    TTY,
    /** A file or a pipe: plain lines, now and then. */
    LOG,
    /** No progress at all. */
    OFF
  }

  /** The shortest time between two redraws of the same phase on a terminal. */
  static final long MIN_REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** How often a log gets a line while bytes move. */
  static final long LOG_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(3);

  /** The window over which a rate the engine does not give is measured. */
  static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final PrintWriter out;
  private final Mode mode;
  private final String moved;
  private final LongSupplier clock;

  private String step;
  private String phase;
  private long bytes;
  private long remaining = -1;
  private double engineRate = Double.NaN;
  private double measuredRate = Double.NaN;
  private long windowStart = Long.MIN_VALUE;
  private long windowBytes;
  private long firstLine = Long.MIN_VALUE;
  private long lastDraw;
  private boolean drawn;
  private boolean dirty;
  private int lastWidth;
  private boolean finished;

  /**
   * @param out the stream the progress goes to (flushed after every line or redraw)
   * @param mode how to draw on it
   * @param moved the verb for the bytes: "sent" at a sender, "received" at a receiver
   */
  public Progress(PrintWriter out, Mode mode, String moved) {
    this(out, mode, moved, System::nanoTime);
  }

  /** For tests: {@code nanoClock} stands in for {@link System#nanoTime()}. */
  Progress(PrintWriter out, Mode mode, String moved, LongSupplier nanoClock) {
    this.out = Objects.requireNonNull(out, "out");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.moved = Objects.requireNonNull(moved, "moved");
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  /** A long step that moves no bytes: shown by name until the next step or phase. */
  @Override
  public synchronized void step(String what) {
    if (finished) {
      return;
    }
    step = Objects.requireNonNull(what, "what");
    changed();
  }

  /** A new phase of the migration, shown with the numbers so far. */
  @Override
  public synchronized void phase(String phase) {
    if (finished) {
      return;
    }
    this.phase = Objects.requireNonNull(phase, "phase");
    step = null;
    changed();
  }

  /**
   * Bytes moved so far, the estimate still to go (negative: unknown) and the engine's rate (NaN or
   * 0 or less: unknown, then measured here).
   */
  @Override
  public synchronized void progress(long bytes, long remaining, double bytesPerSecond) {
    if (finished) {
      return;
    }
    long now = clock.getAsLong();
    measure(now, bytes);
    this.bytes = bytes;
    this.remaining = remaining;
    this.engineRate = bytesPerSecond;
    dirty = true;
    switch (mode) {
      case TTY -> {
        if (!drawn || now - lastDraw >= MIN_REDRAW_NANOS) {
          redraw(now);
        }
      }
      case LOG -> {
        if (!drawn || now - lastDraw >= LOG_PERIOD_NANOS) {
          logLine(now, line());
        }
      }
      case OFF -> {}
    }
  }

  /**
   * Ends the display: on a terminal the last state is drawn and the line ended; a log gets a last
   * line with what was moved. Idempotent; prints nothing when nothing was shown.
   */
  public synchronized void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (!drawn && !dirty) {
      return;
    }
    long now = clock.getAsLong();
    switch (mode) {
      case TTY -> {
        if (dirty) {
          redraw(now);
        }
        out.print('\n');
        out.flush();
      }
      case LOG -> {
        if (phase != null || bytes > 0) {
          logLine(now, "done: " + Units.bytes(bytes) + " " + moved);
        }
      }
      case OFF -> {}
    }
  }

  /** The line for the current state (without {@code \r}, padding or time). */
  synchronized String line() {
    if (step != null) {
      return step + " ...";
    }
    StringBuilder b = new StringBuilder();
    b.append(phase == null ? "migrating" : phase).append("  ");
    b.append(Units.bytes(bytes)).append(' ').append(moved);
    if (remaining >= 0) {
      b.append(", about ").append(Units.bytes(remaining)).append(" left");
    }
    double rate = rate();
    if (rate > 0) {
      b.append("  ").append(Units.rate(rate));
      if (remaining >= 0) {
        b.append("  ETA ").append(Units.clock(remaining / rate));
      }
    }
    return b.toString();
  }

  /** The engine's rate, else the one measured here; NaN when neither is known. */
  private double rate() {
    return Double.isFinite(engineRate) && engineRate > 0 ? engineRate : measuredRate;
  }

  /** Bytes over the clock, one window at a time: for an engine that gives no rate. */
  private void measure(long now, long bytes) {
    if (windowStart == Long.MIN_VALUE || bytes < windowBytes) {
      windowStart = now;
      windowBytes = bytes;
      return;
    }
    long span = now - windowStart;
    if (span >= RATE_WINDOW_NANOS) {
      measuredRate = (bytes - windowBytes) / (span / 1e9);
      windowStart = now;
      windowBytes = bytes;
    }
  }

  private void changed() {
    long now = clock.getAsLong();
    dirty = true;
    switch (mode) {
      case TTY -> redraw(now);
      case LOG -> logLine(now, line());
      case OFF -> {}
    }
  }

  private void redraw(long now) {
    String l = line();
    int pad = Math.max(0, lastWidth - l.length());
    out.print("\r" + l + " ".repeat(pad));
    out.flush();
    lastWidth = l.length();
    lastDraw = now;
    drawn = true;
    dirty = false;
  }

  private void logLine(long now, String text) {
    if (firstLine == Long.MIN_VALUE) {
      firstLine = now;
    }
    out.print(String.format(Locale.ROOT, "[%7.1f s] %s\n", (now - firstLine) / 1e9, text));
    out.flush();
    lastDraw = now;
    drawn = true;
    dirty = false;
  }
}
