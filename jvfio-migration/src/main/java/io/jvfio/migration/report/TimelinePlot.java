package io.jvfio.migration.report;

import io.jvfio.migration.report.MigrationReport.Sample;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Area;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import javax.imageio.ImageIO;

/**
 * The timeline of a {@link MigrationReport} as a PNG line chart: bytes moved over time (sent, or
 * received in a receiver's report), the guest RAM's part of them as a filled band under its own
 * line (device state is the rest, up to the bytes line) and, at a sender, the dirty bytes; the
 * downtime window shaded; a dashed vertical marker where each phase begins, its label laid out so
 * that no two labels overlap ({@link #labelBoxes}); axis labels and a legend above the plot.
 * Rendered off-screen with Java2D; {@code java.awt.headless} is set to true unless the caller chose
 * otherwise. When the JDK cannot render text (no fonts installed), the chart is drawn without its
 * labels rather than not at all.
 */
public final class TimelinePlot {
  /** Default image size. */
  public static final int WIDTH = 960;

  public static final int HEIGHT = 540;

  /** Series colours (RGB), drawn without anti-aliasing so their exact values are in the image. */
  public static final int SENT_RGB = 0x1f77b4;

  public static final int DIRTY_RGB = 0xd62728;

  /** The guest RAM's line, and its band below it (outside and inside the downtime window). */
  public static final int RAM_RGB = 0x2ca02c;

  public static final int RAM_BAND_RGB = 0xc7e9c0;

  /** The band seen through the downtime shade (the two multiplied), so the window still shows. */
  public static final int RAM_BAND_DOWNTIME_RGB = 0xc3c29c;

  static final int BACKGROUND_RGB = 0xffffff;
  static final int AXIS_RGB = 0x333333;
  static final int GRID_RGB = 0xe6e6e6;
  static final int PHASE_RGB = 0x8c8c8c;

  /** The shade of the downtime window (behind the grid and the series). */
  public static final int DOWNTIME_RGB = 0xfbd5d0;

  /** The narrowest the downtime window is drawn, so that a short one still shows. */
  static final int MIN_WINDOW_PX = 3;

  /** Height of a row of phase labels, and the gap kept between two labels of a row. */
  static final int LABEL_ROW = 16;

  static final int LABEL_GAP = 6;

  private static final int LEFT = 84;
  private static final int RIGHT = 24;
  private static final int TOP = 64;
  private static final int BOTTOM = 56;

  private TimelinePlot() {}

  /** Writes the chart at the default size. */
  public static void write(MigrationReport report, Path png) throws IOException {
    write(report, png, WIDTH, HEIGHT);
  }

  /** Writes the chart as a {@code width} x {@code height} PNG (at least 320 x 200). */
  public static void write(MigrationReport report, Path png, int width, int height)
      throws IOException {
    BufferedImage img = render(report, width, height);
    try (OutputStream out = Files.newOutputStream(png)) {
      if (!ImageIO.write(img, "png", out)) {
        throw new IOException("no PNG writer in this JDK");
      }
    }
  }

  /**
   * Why a plot could not be written, for a person: "no such directory /x", "permission denied", or
   * the exception's own message.
   */
  public static String reason(Exception e) {
    return switch (e) {
      // ImageIO wraps the failing write ("I/O error writing PNG file!"): the cause says why
      case javax.imageio.IIOException x when x.getCause() instanceof Exception cause ->
          reason(cause);
      case java.nio.file.NoSuchFileException x -> {
        Path parent = Path.of(x.getFile()).getParent();
        yield "no such directory " + (parent == null ? "." : parent.toString());
      }
      case java.nio.file.AccessDeniedException x -> "permission denied";
      case java.nio.file.FileSystemException x when x.getReason() != null -> x.getReason();
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
  }

  /**
   * The legend's entries for {@code report}: its byte series ("bytes sent", or "bytes received" at
   * a receiver), the guest RAM's band when it has guest RAM, "dirty bytes" at a sender, and the
   * downtime with its limit when the report has a downtime window.
   */
  static List<String> legend(MigrationReport report) {
    List<String> l = new ArrayList<>();
    boolean receiver = report.side() == MigrationReport.Side.RECEIVER;
    l.add(receiver ? "bytes received" : "bytes sent");
    if (report.guestRam() != null) {
      l.add(receiver ? "guest RAM received" : "guest RAM sent");
    }
    if (!receiver) {
      l.add("dirty bytes");
    }
    if (hasWindow(report)) {
      String limit =
          report.downtimeLimitMs() <= 0
              ? ""
              : report.downtimeOverrunMs() > 0
                  ? ", OVER the " + Units.millis(report.downtimeLimitMs()) + " limit"
                  : ", limit " + Units.millis(report.downtimeLimitMs());
      l.add("downtime " + Units.millis(report.downtimeMs()) + limit);
    }
    return l;
  }

  /**
   * The line under the title of a VM's migration: the guest RAM beside the device state, and how
   * device writes were tracked; null without guest RAM.
   */
  static String ramLine(MigrationReport r) {
    GuestRamReport g = r.guestRam();
    if (g == null) {
      return null;
    }
    return "guest RAM "
        + Units.bytes(g.bytes())
        + ": "
        + Units.bytes(g.bytesSent())
        + " of pages and "
        + g.zeroPages()
        + " zero pages; device state "
        + Units.bytes(r.totalBytes())
        + (g.trackingMethod() == null ? "" : "; device writes: " + g.trackingMethod());
  }

  private static boolean hasWindow(MigrationReport r) {
    return Double.isFinite(r.downtimeStartMs())
        && Double.isFinite(r.downtimeMs())
        && r.downtimeMs() > 0;
  }

  /**
   * Where the phase labels go: label {@code i}, {@code widths[i]} pixels wide, starts just right of
   * its marker at {@code markers[i]} (or ends just left of it when it would cross the plot's right
   * edge), in the top row of the plot where it keeps {@link #LABEL_GAP} from every label already
   * placed, rows of {@link #LABEL_ROW} going down. The boxes never overlap and stay inside the
   * plot; a label with no room left in any row gets null (its marker is drawn anyway).
   */
  static List<Rectangle> labelBoxes(int[] markers, int[] widths, Rectangle plot) {
    int rows = Math.max(1, (plot.height - 6) / LABEL_ROW);
    List<List<Rectangle>> placed = new ArrayList<>();
    List<Rectangle> boxes = new ArrayList<>();
    for (int i = 0; i < markers.length; i++) {
      int w = Math.min(widths[i], plot.width);
      int x = markers[i] + 3;
      if (x + w > plot.x + plot.width) {
        x = markers[i] - 3 - w;
      }
      x = Math.max(plot.x, Math.min(x, plot.x + plot.width - w));
      Rectangle box = null;
      for (int r = 0; r < rows && box == null; r++) {
        if (placed.size() <= r) {
          placed.add(new ArrayList<>());
        }
        Rectangle candidate = new Rectangle(x, plot.y + 3 + r * LABEL_ROW, w, LABEL_ROW - 1);
        Rectangle padded =
            new Rectangle(x - LABEL_GAP, candidate.y, w + 2 * LABEL_GAP, candidate.height);
        if (placed.get(r).stream().noneMatch(padded::intersects)) {
          placed.get(r).add(candidate);
          box = candidate;
        }
      }
      boxes.add(box);
    }
    return boxes;
  }

  /** The plot rectangle (inside the axes) of a {@code width} x {@code height} chart. */
  static Rectangle plotArea(int width, int height) {
    return new Rectangle(LEFT, TOP, width - LEFT - RIGHT, height - TOP - BOTTOM);
  }

  /** Renders the chart. */
  static BufferedImage render(MigrationReport report, int width, int height) {
    if (width < 320 || height < 200) {
      throw new IllegalArgumentException("chart size " + width + "x" + height + " below 320x200");
    }
    headless();
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      new Painter(g, report, width, height).paint();
    } finally {
      g.dispose();
    }
    return img;
  }

  private static void headless() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** One rendering. */
  private static final class Painter {
    private final Graphics2D g;
    private final MigrationReport report;
    private final int width;
    private final int height;
    private final Rectangle plot;
    private final List<Sample> samples;
    private final long t0;
    private final long t1;
    private final long yMax;
    private final long yStep;
    private final long xStep;
    private boolean text = true;

    Painter(Graphics2D g, MigrationReport report, int width, int height) {
      this.g = g;
      this.report = report;
      this.width = width;
      this.height = height;
      this.plot = plotArea(width, height);
      this.samples = report.timeline();
      long lo = 0;
      long hi = Math.max(1, report.totalMs());
      long top = 0;
      for (Sample s : samples) {
        lo = Math.min(lo, s.tMillis());
        hi = Math.max(hi, s.tMillis());
        top = Math.max(top, Math.max(Math.max(s.bytesSent(), s.dirtyBytes()), s.ramBytes()));
      }
      this.t0 = lo;
      this.xStep = niceStep(Math.max(1, hi - lo), 8);
      this.t1 = lo + roundUp(hi - lo, xStep);
      this.yStep = byteStep(Math.max(1, top), 5);
      this.yMax = Math.max(yStep, roundUp(top, yStep));
    }

    void paint() {
      g.setColor(new Color(BACKGROUND_RGB));
      g.fillRect(0, 0, width, height);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      downtime();
      boolean ram = report.guestRam() != null;
      if (ram) {
        ramBand();
      }
      grid();
      phases();
      if (ram) {
        // from the last sample before the first RAM byte: no line along the axis before it
        int first = 0;
        while (first < samples.size() && samples.get(first).ramBytes() <= 0) {
          first++;
        }
        if (first < samples.size()) {
          series(RAM_RGB, Sample::ramBytes, Math.max(0, first - 1));
        }
      }
      // the total after the RAM's line: where every byte moved was RAM, the total shows
      series(SENT_RGB, Sample::bytesSent, 0);
      if (report.side() == MigrationReport.Side.SENDER) {
        series(DIRTY_RGB, Sample::dirtyBytes, 0);
      }
      axes();
      title();
      legend();
      if (samples.isEmpty()) {
        label(
            "no samples",
            plot.x + plot.width / 2,
            plot.y + plot.height / 2,
            0.5,
            0.5,
            new Color(AXIS_RGB));
      }
    }

    private int x(long t) {
      return plot.x + (int) Math.round((double) (t - t0) * plot.width / Math.max(1, t1 - t0));
    }

    private int y(long v) {
      // a negative count (unknown) sits on the axis
      return plot.y + plot.height - (int) Math.round((double) Math.max(0, v) * plot.height / yMax);
    }

    /** The downtime window, shaded across the plot's height, at least a few pixels wide. */
    private void downtime() {
      Rectangle w = window();
      if (w != null) {
        g.setColor(new Color(DOWNTIME_RGB));
        g.fillRect(w.x, w.y, w.width, w.height);
      }
    }

    /** The downtime window in pixels (clipped to the plot), or null when there is none. */
    Rectangle window() {
      if (!hasWindow(report)) {
        return null;
      }
      double start = report.downtimeStartMs();
      int from = xAt(start);
      int to = Math.max(from + MIN_WINDOW_PX, xAt(start + report.downtimeMs()));
      from = Math.max(plot.x, from);
      to = Math.min(plot.x + plot.width, to);
      return to > from ? new Rectangle(from, plot.y, to - from, plot.height) : null;
    }

    private int xAt(double ms) {
      return plot.x + (int) Math.round((ms - t0) * plot.width / Math.max(1, t1 - t0));
    }

    /**
     * The guest RAM's bytes as a band from the axis up to its line, in a darker shade inside the
     * downtime window (the RAM of stop-copy), so that the window still shows through it.
     */
    private void ramBand() {
      if (samples.size() < 2) {
        return;
      }
      int n = samples.size();
      int[] xs = new int[n + 2];
      int[] ys = new int[n + 2];
      for (int i = 0; i < n; i++) {
        xs[i] = x(samples.get(i).tMillis());
        ys[i] = y(samples.get(i).ramBytes());
      }
      xs[n] = xs[n - 1];
      ys[n] = y(0);
      xs[n + 1] = xs[0];
      ys[n + 1] = y(0);
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
      Shape clip = g.getClip();
      Rectangle w = window();
      Area outside = new Area(new Rectangle(0, 0, width, height));
      if (w != null) {
        outside.subtract(new Area(w));
      }
      g.setClip(outside);
      g.setColor(new Color(RAM_BAND_RGB));
      g.fillPolygon(xs, ys, xs.length);
      if (w != null) {
        g.setClip(w);
        g.setColor(new Color(RAM_BAND_DOWNTIME_RGB));
        g.fillPolygon(xs, ys, xs.length);
      }
      g.setClip(clip);
    }

    private void grid() {
      g.setColor(new Color(GRID_RGB));
      g.setStroke(new BasicStroke(1));
      for (long i = 1; i <= yMax / yStep; i++) {
        g.drawLine(plot.x, y(i * yStep), plot.x + plot.width, y(i * yStep));
      }
      for (long i = 1; i <= (t1 - t0) / xStep; i++) {
        g.drawLine(x(t0 + i * xStep), plot.y, x(t0 + i * xStep), plot.y + plot.height);
      }
    }

    private void axes() {
      Color axis = new Color(AXIS_RGB);
      g.setColor(axis);
      g.setStroke(new BasicStroke(1));
      g.drawLine(plot.x, plot.y, plot.x, plot.y + plot.height);
      g.drawLine(plot.x, plot.y + plot.height, plot.x + plot.width, plot.y + plot.height);
      for (long i = 0; i <= yMax / yStep; i++) {
        long v = i * yStep;
        g.setColor(axis);
        g.drawLine(plot.x - 4, y(v), plot.x, y(v));
        label(Units.bytes(v), plot.x - 7, y(v), 1.0, 0.5, axis);
      }
      boolean seconds = t1 - t0 >= 2000;
      for (long i = 0; i <= (t1 - t0) / xStep; i++) {
        long t = t0 + i * xStep;
        g.setColor(axis);
        g.drawLine(x(t), plot.y + plot.height, x(t), plot.y + plot.height + 4);
        String s =
            seconds ? trimZeros(String.format(Locale.ROOT, "%.3f", t / 1000.0)) : Long.toString(t);
        label(s, x(t), plot.y + plot.height + 7, 0.5, 0.0, axis);
      }
      label(
          seconds ? "time (s)" : "time (ms)", plot.x + plot.width / 2, height - 8, 0.5, 1.0, axis);
      verticalLabel("bytes", 14, plot.y + plot.height / 2, axis);
    }

    private void title() {
      String t =
          "Migration "
              + report.outcome()
              + (report.side() == MigrationReport.Side.RECEIVER ? " (receiver)" : " (sender)")
              + " - "
              + Units.duration(report.totalMs())
              + ", downtime "
              + Units.millis(report.downtimeMs());
      Font f = g.getFont();
      g.setFont(f.deriveFont(Font.BOLD, 14f));
      label(t, plot.x, 8, 0.0, 0.0, new Color(AXIS_RGB));
      g.setFont(f);
      String ram = ramLine(report);
      if (ram != null) {
        // smaller, so that it stays clear of the legend's row below it
        g.setFont(f.deriveFont(11f));
        label(ram, plot.x, 26, 0.0, 0.0, new Color(AXIS_RGB));
        g.setFont(f);
      }
    }

    /**
     * Above the plot, right-aligned: a short line of each series' colour and its name (the guest
     * RAM's over a box of its band), and a box of the downtime shade with the downtime and its
     * limit.
     */
    private void legend() {
      int yLine = TOP - 18;
      List<String> names = TimelinePlot.legend(report);
      int x = plot.x + plot.width;
      for (int i = names.size() - 1; i >= 0; i--) {
        String name = names.get(i);
        int w = textWidth(name);
        x -= w;
        label(name, x, yLine, 0.0, 0.5, new Color(AXIS_RGB));
        x -= 6 + 22;
        if (name.startsWith("downtime")) {
          g.setColor(new Color(DOWNTIME_RGB));
          g.fillRect(x + 6, yLine - 6, 16, 12);
        } else if (name.startsWith("guest RAM")) {
          g.setColor(new Color(RAM_BAND_RGB));
          g.fillRect(x + 6, yLine - 6, 16, 12);
          g.setColor(new Color(RAM_RGB));
          g.fillRect(x, yLine - 1, 22, 3);
        } else {
          g.setColor(new Color(name.equals("dirty bytes") ? DIRTY_RGB : SENT_RGB));
          g.fillRect(x, yLine - 1, 22, 3);
        }
        x -= 18;
      }
    }

    /**
     * A dashed marker where each phase begins, and its label where {@link #labelBoxes} puts it:
     * never over another label.
     */
    private void phases() {
      Stroke dashed =
          new BasicStroke(
              1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {4, 4}, 0);
      Color c = new Color(PHASE_RGB);
      List<String> names = new ArrayList<>();
      List<Integer> xs = new ArrayList<>();
      String current = null;
      for (Sample s : samples) {
        if (!s.phase().equals(current)) {
          current = s.phase();
          names.add(current);
          xs.add(x(s.tMillis()));
        }
      }
      int[] markers = xs.stream().mapToInt(Integer::intValue).toArray();
      int[] widths = names.stream().mapToInt(this::textWidth).toArray();
      List<Rectangle> boxes = labelBoxes(markers, widths, plot);
      g.setColor(c);
      g.setStroke(dashed);
      for (int px : markers) {
        g.drawLine(px, plot.y, px, plot.y + plot.height);
      }
      g.setStroke(new BasicStroke(1));
      for (int i = 0; i < names.size(); i++) {
        Rectangle box = boxes.get(i);
        if (box != null) {
          label(names.get(i), box.x, box.y, 0.0, 0.0, c);
        }
      }
    }

    /** The line of {@code value} through the samples from index {@code from} on. */
    private void series(int rgb, ToLongFunction<Sample> value, int from) {
      if (samples.size() <= from) {
        return;
      }
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
      g.setColor(new Color(rgb));
      g.setStroke(new BasicStroke(2, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      List<int[]> pts = new ArrayList<>();
      for (Sample s : samples.subList(from, samples.size())) {
        pts.add(new int[] {x(s.tMillis()), y(value.applyAsLong(s))});
      }
      if (pts.size() == 1) {
        int[] p = pts.getFirst();
        g.fillOval(p[0] - 3, p[1] - 3, 7, 7);
        return;
      }
      int[] xs = new int[pts.size()];
      int[] ys = new int[pts.size()];
      for (int i = 0; i < pts.size(); i++) {
        xs[i] = pts.get(i)[0];
        ys[i] = pts.get(i)[1];
      }
      g.drawPolyline(xs, ys, xs.length);
    }

    /**
     * Draws {@code s} with its anchor at {@code (x, y)}: {@code ax} 0 left .. 1 right, {@code ay} 0
     * top .. 1 bottom.
     */
    private void label(String s, int x, int y, double ax, double ay, Color c) {
      if (!text) {
        return;
      }
      try {
        FontMetrics fm = g.getFontMetrics();
        int w = fm.stringWidth(s);
        int h = fm.getAscent() + fm.getDescent();
        g.setColor(c);
        g.drawString(
            s, x - (int) Math.round(ax * w), y - (int) Math.round(ay * h) + fm.getAscent());
      } catch (RuntimeException | InternalError | LinkageError e) {
        text = false; // a JDK without usable fonts: keep the chart, drop the words
      }
    }

    private void verticalLabel(String s, int x, int y, Color c) {
      if (!text) {
        return;
      }
      Graphics2D r = (Graphics2D) g.create();
      try {
        r.rotate(-Math.PI / 2, x, y);
        FontMetrics fm = r.getFontMetrics();
        r.setColor(c);
        r.drawString(s, x - fm.stringWidth(s) / 2, y + fm.getAscent() / 2);
      } catch (RuntimeException | InternalError | LinkageError e) {
        text = false;
      } finally {
        r.dispose();
      }
    }

    private int textWidth(String s) {
      if (!text) {
        return 7 * s.length();
      }
      try {
        return g.getFontMetrics().stringWidth(s);
      } catch (RuntimeException | InternalError | LinkageError e) {
        text = false;
        return 7 * s.length();
      }
    }
  }

  /** A 1-2-5 step (1, 2, 5, 10, 20, ...) that splits {@code range} into at most {@code parts}. */
  static long niceStep(long range, int parts) {
    double raw = (double) range / parts;
    if (raw <= 1) {
      return 1;
    }
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / mag;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return Math.max(1, (long) Math.ceil(nice * mag));
  }

  /**
   * A power-of-two step that splits {@code range} bytes into at most {@code parts}, so byte ticks
   * read "256 KiB", "512 KiB", "768 KiB", "1.00 MiB".
   */
  static long byteStep(long range, int parts) {
    long raw = Math.max(1, range / parts + (range % parts == 0 ? 0 : 1));
    long step = Long.highestOneBit(raw);
    return step == raw || step >= (1L << 62) ? step : step << 1;
  }

  /** {@code v} rounded up to a multiple of {@code step} (at least one step), saturating. */
  private static long roundUp(long v, long step) {
    if (v <= 0) {
      return step;
    }
    long n = v / step + (v % step == 0 ? 0 : 1);
    return n > Long.MAX_VALUE / step ? Long.MAX_VALUE : n * step;
  }

  private static String trimZeros(String s) {
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
