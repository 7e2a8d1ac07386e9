package io.jvfio.migration.report;

import io.jvfio.migration.engine.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A progress display for a terminal. On a tty, {@link #update} redraws one line in place with
 * {@code \r} (phase, bytes sent, share of the estimate, rate, estimated time left), at most ten
 * times a second except when the phase changes; {@link #finish()} draws the last state and ends the
 * line. When the output is not a tty (a log, a pipe), it writes one line per phase change and a
 * last line at {@link #finish()}, nothing in between.
 *
 * <p>Every method is synchronized: the engine thread may call {@link #update} (or the {@link
 * ProgressListener} methods) while another thread calls {@link #finish()}. Calls after {@link
 * #finish()} are ignored.
 */
public final class Progress implements ProgressListener {
  /** The shortest time between two redraws of the same phase. */
  static final long MIN_REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final PrintStream out;
  private final boolean tty;
  private final LongSupplier clock;

  private String phase;
  private long bytes;
  private long total;
  private double rate = Double.NaN;
  private boolean dirty;
  private long lastDraw;
  private boolean drawnOnce;
  private int lastWidth;
  private boolean finished;

  public Progress(PrintStream out, boolean tty) {
    this(out, tty, System::nanoTime);
  }

  /** For tests: {@code nanoClock} stands in for {@link System#nanoTime()}. */
  Progress(PrintStream out, boolean tty, LongSupplier nanoClock) {
    this.out = Objects.requireNonNull(out, "out");
    this.tty = tty;
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  /** A display on {@link System#out}, redrawing in place when the JVM has a console. */
  public static Progress onConsole() {
    return new Progress(System.out, System.console() != null);
  }

  /**
   * The engine's state now: {@code phase}, {@code bytesSent} so far, the whole migration's
   * estimated size ({@code totalEstimate}, 0 or less when unknown) and the measured rate.
   */
  public synchronized void update(
      String phase, long bytesSent, long totalEstimate, double bytesPerSec) {
    if (finished) {
      return;
    }
    String p = phase == null ? "migrating" : phase;
    boolean newPhase = !p.equals(this.phase);
    this.phase = p;
    this.bytes = bytesSent;
    this.total = totalEstimate;
    this.rate = bytesPerSec;
    this.dirty = true;
    long now = clock.getAsLong();
    if (tty) {
      if (newPhase || !drawnOnce || now - lastDraw >= MIN_REDRAW_NANOS) {
        redraw(now);
      }
    } else if (newPhase) {
      out.println(line());
      out.flush();
      dirty = false;
    }
  }

  /** {@link ProgressListener}: a new phase, shown with the last numbers. */
  @Override
  public synchronized void phase(String phase) {
    update(phase, bytes, total, rate);
  }

  /** {@link ProgressListener}: bytes moved and still to go in the current phase. */
  @Override
  public synchronized void progress(long bytes, long remaining, double bytesPerSecond) {
    long estimate = remaining < 0 ? -1 : saturatedAdd(bytes, remaining);
    update(phase, bytes, estimate, bytesPerSecond);
  }

  /** Draws the final state and ends the line (tty) or writes a last line; idempotent. */
  public synchronized void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (phase == null) {
      return;
    }
    if (tty) {
      if (dirty || !drawnOnce) {
        redraw(clock.getAsLong());
      }
      out.println();
    } else {
      out.println("done: " + line());
    }
    out.flush();
  }

  /** The line for the current state (without {@code \r} or padding). */
  synchronized String line() {
    StringBuilder b = new StringBuilder();
    b.append(phase).append("  ").append(Units.bytes(bytes));
    if (total > 0) {
      b.append(" / ").append(Units.bytes(total));
      double pct = Math.min(100.0, 100.0 * bytes / total);
      b.append(String.format(Locale.ROOT, " (%3.0f%%)", pct));
    }
    b.append("  ").append(Double.isFinite(rate) && rate >= 0 ? Units.rate(rate) : "-- B/s");
    if (total > 0) {
      double left = Math.max(0, total - bytes);
      double eta = left == 0 ? 0 : (rate > 0 ? left / rate : Double.NaN);
      b.append("  ETA ").append(Units.clock(eta));
    }
    return b.toString();
  }

  private void redraw(long now) {
    String l = line();
    int pad = Math.max(0, lastWidth - l.length());
    out.print("\r" + l + " ".repeat(pad));
    out.flush();
    lastWidth = l.length();
    lastDraw = now;
    drawnOnce = true;
    dirty = false;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
