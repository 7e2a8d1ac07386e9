package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.migration.report.MigrationReport.Sample;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelinePlotTest {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir Path dir;

  @Test
  void writesAPngWithBothSeriesAndThePhaseMarkers() throws IOException {
    Path png = dir.resolve("timeline.png");
    TimelinePlot.write(Reports.completed(), png);

    byte[] file = Files.readAllBytes(png);
    assertThat(Arrays.copyOf(file, 8)).isEqualTo(PNG_SIGNATURE);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).isNotNull();
    assertThat(img.getWidth()).isEqualTo(TimelinePlot.WIDTH);
    assertThat(img.getHeight()).isEqualTo(TimelinePlot.HEIGHT);

    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    // the series are drawn inside the plot; the legend sits above it
    assertThat(count(img, plot, TimelinePlot.SENT_RGB)).isGreaterThan(500);
    assertThat(count(img, plot, TimelinePlot.DIRTY_RGB)).isGreaterThan(500);
    assertThat(count(img, plot, TimelinePlot.PHASE_RGB)).isGreaterThan(100);
    // and the legend shows both colours too
    Rectangle header = new Rectangle(0, 0, img.getWidth(), plot.y);
    assertThat(count(img, header, TimelinePlot.SENT_RGB)).isPositive();
    assertThat(count(img, header, TimelinePlot.DIRTY_RGB)).isPositive();
    // mostly background
    assertThat(count(img, new Rectangle(0, 0, img.getWidth(), img.getHeight()), 0xffffff))
        .isGreaterThan(img.getWidth() * img.getHeight() / 2);
  }

  @Test
  void hasTextWhereTheLabelsGo() throws IOException {
    Path png = dir.resolve("labels.png");
    TimelinePlot.write(Reports.completed(), png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    // left of the y axis (tick labels) and below the x axis (tick labels, axis title)
    Rectangle yLabels = new Rectangle(0, plot.y, plot.x - 6, plot.height);
    Rectangle xLabels = new Rectangle(plot.x, plot.y + plot.height + 6, plot.width, 40);
    assertThat(nonBackground(img, yLabels)).isGreaterThan(50);
    assertThat(nonBackground(img, xLabels)).isGreaterThan(50);
  }

  @Test
  void takesAChosenSize() throws IOException {
    Path png = dir.resolve("small.png");
    TimelinePlot.write(Reports.completed(), png, 400, 240);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(400);
    assertThat(img.getHeight()).isEqualTo(240);
    Rectangle plot = TimelinePlot.plotArea(400, 240);
    assertThat(count(img, plot, TimelinePlot.SENT_RGB)).isPositive();
    assertThat(count(img, plot, TimelinePlot.DIRTY_RGB)).isPositive();
  }

  @Test
  void anEmptyTimelineStillMakesAChart() throws IOException {
    Path png = dir.resolve("empty.png");
    TimelinePlot.write(Reports.failed(), png);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(TimelinePlot.WIDTH);
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    assertThat(count(img, plot, TimelinePlot.SENT_RGB)).isZero();
    assertThat(count(img, plot, TimelinePlot.DIRTY_RGB)).isZero();
  }

  @Test
  void oneSampleIsADot() throws IOException {
    MigrationReport r =
        new MigrationReport(
            "completed", List.of(), 1, 0, 0, List.of(new Sample(0, 1 << 20, 1 << 19, "stop-copy")));
    Path png = dir.resolve("dot.png");
    TimelinePlot.write(r, png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    Rectangle around = new Rectangle(plot.x - 4, plot.y - 4, plot.width + 8, plot.height + 8);
    assertThat(count(img, around, TimelinePlot.SENT_RGB)).isPositive();
    assertThat(count(img, around, TimelinePlot.DIRTY_RGB)).isPositive();
  }

  @Test
  void largeAndOddValuesDoNotBreakIt() throws IOException {
    MigrationReport r =
        new MigrationReport(
            "completed",
            List.of(),
            1,
            3_600_000,
            0,
            List.of(
                new Sample(-5, 0, 0, "setup"),
                new Sample(1_000_000, 1L << 40, 0, "precopy"),
                new Sample(1_000_000, 1L << 41, 1L << 39, "precopy"),
                new Sample(3_600_000, 3L << 40, 0, "stop-copy")));
    Path png = dir.resolve("big.png");
    TimelinePlot.write(r, png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    assertThat(count(img, plot, TimelinePlot.SENT_RGB)).isPositive();
  }

  @Test
  void replacesAnExistingFile() throws IOException {
    Path png = dir.resolve("again.png");
    Files.writeString(png, "not a png");
    TimelinePlot.write(Reports.completed(), png);
    assertThat(ImageIO.read(png.toFile())).isNotNull();
  }

  /** A report whose downtime window lies in the middle of a 2 s timeline: 1200-1400 ms. */
  private static MigrationReport withWindow(double startMs, double downtimeMs, double limitMs) {
    return ReportCopy.of(Reports.completed())
        .downtime(startMs, downtimeMs, limitMs)
        .totalMs(2000)
        .build();
  }

  /** Where {@code ms} falls on the plot's x axis (the timeline's 0-2000 ms span it exactly). */
  private static int xOf(Rectangle plot, double ms) {
    return plot.x + (int) Math.round(ms * plot.width / 2000);
  }

  /**
   * The pixels inside the downtime window are the shade (wherever no grid line, series or label is
   * drawn over it), and no pixel outside it is.
   */
  @Test
  void theDowntimeWindowIsShadedAndNothingElseIs() throws IOException {
    Path png = dir.resolve("window.png");
    TimelinePlot.write(withWindow(1200, 200, 300), png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    int from = xOf(plot, 1200);
    int to = xOf(plot, 1400);
    for (int x = from + 1; x < to - 1; x++) {
      Rectangle column = new Rectangle(x, plot.y, 1, plot.height);
      assertThat(count(img, column, TimelinePlot.DOWNTIME_RGB))
          .as("shaded pixels in column %d", x)
          .isGreaterThan(plot.height * 3 / 4);
    }
    Rectangle left = new Rectangle(plot.x, plot.y, from - 1 - plot.x, plot.height);
    Rectangle right = new Rectangle(to + 1, plot.y, plot.x + plot.width - to - 1, plot.height);
    assertThat(count(img, left, TimelinePlot.DOWNTIME_RGB)).isZero();
    assertThat(count(img, right, TimelinePlot.DOWNTIME_RGB)).isZero();
    // the legend shows the shade beside the downtime and its limit
    Rectangle header = new Rectangle(0, 0, img.getWidth(), plot.y);
    assertThat(count(img, header, TimelinePlot.DOWNTIME_RGB)).isPositive();
    assertThat(TimelinePlot.legend(withWindow(1200, 200, 300)))
        .containsExactly("bytes sent", "dirty bytes", "downtime 200 ms, limit 300 ms");
    assertThat(TimelinePlot.legend(withWindow(1200, 320, 300)))
        .containsExactly("bytes sent", "dirty bytes", "downtime 320 ms, OVER the 300 ms limit");
  }

  /**
   * A short downtime is still drawn a few pixels wide; a report without one has no shade at all.
   */
  @Test
  void aShortWindowStillShowsAndNoWindowShowsNothing() throws IOException {
    Path png = dir.resolve("short.png");
    TimelinePlot.write(withWindow(1000, 0.5, 300), png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    assertThat(count(img, plot, TimelinePlot.DOWNTIME_RGB))
        .isGreaterThanOrEqualTo((TimelinePlot.MIN_WINDOW_PX - 1) * plot.height / 2);

    Path none = dir.resolve("none.png");
    TimelinePlot.write(withWindow(Double.NaN, 12.5, 300), none);
    BufferedImage plain = ImageIO.read(none.toFile());
    Rectangle all = new Rectangle(0, 0, plain.getWidth(), plain.getHeight());
    assertThat(count(plain, all, TimelinePlot.DOWNTIME_RGB)).isZero();
    assertThat(TimelinePlot.legend(withWindow(Double.NaN, 12.5, 300)))
        .containsExactly("bytes sent", "dirty bytes");
  }

  /** A receiver's report is labelled as bytes received and has no dirty-bytes series. */
  @Test
  void aReceiversSeriesIsLabelledReceivedBytes() throws IOException {
    MigrationReport received = ReportCopy.receiving(withWindow(1200, 200, 300));
    assertThat(TimelinePlot.legend(received))
        .containsExactly("bytes received", "downtime 200 ms, limit 300 ms");
    Path png = dir.resolve("receiver.png");
    TimelinePlot.write(received, png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle all = new Rectangle(0, 0, img.getWidth(), img.getHeight());
    assertThat(count(img, all, TimelinePlot.SENT_RGB)).isGreaterThan(500);
    assertThat(count(img, all, TimelinePlot.DIRTY_RGB)).isZero();
  }

  /**
   * Phase labels never overlap: for seeded random timelines of many short phases (markers a few
   * pixels apart, labels of any width, some at the plot's right edge), the boxes the layout gives
   * are pairwise disjoint (a gap between two of a row), inside the plot, and each starts or ends at
   * its own marker; with as few phases as there are rows, none is left out.
   */
  @Test
  void phaseLabelsNeverOverlap() {
    Random random = new Random(31);
    Rectangle plot = TimelinePlot.plotArea(TimelinePlot.WIDTH, TimelinePlot.HEIGHT);
    int rows = (plot.height - 6) / TimelinePlot.LABEL_ROW;
    for (int trial = 0; trial < 500; trial++) {
      int n = 1 + random.nextInt(trial % 10 == 0 ? 60 : 12);
      int[] markers = new int[n];
      int[] widths = new int[n];
      int x = plot.x + random.nextInt(plot.width / 2);
      for (int i = 0; i < n; i++) {
        x = Math.min(plot.x + plot.width, x + random.nextInt(random.nextBoolean() ? 4 : 120));
        markers[i] = x;
        widths[i] = 20 + random.nextInt(90);
      }
      List<Rectangle> boxes = TimelinePlot.labelBoxes(markers, widths, plot);
      assertThat(boxes).hasSize(n);
      for (int i = 0; i < n; i++) {
        Rectangle a = boxes.get(i);
        if (a == null) {
          assertThat(n).as("a label is left out only when the rows are full").isGreaterThan(rows);
          continue;
        }
        assertThat(plot.contains(a)).as("box %s inside %s", a, plot).isTrue();
        assertThat(
                a.x == markers[i] + 3
                    || a.x + a.width == markers[i] - 3
                    || a.x == plot.x
                    || a.x + a.width == plot.x + plot.width)
            .as("box %s beside its marker %d", a, markers[i])
            .isTrue();
        for (int j = 0; j < i; j++) {
          Rectangle b = boxes.get(j);
          if (b != null) {
            assertThat(a.intersects(b)).as("trial %d: boxes %s and %s", trial, a, b).isFalse();
            if (a.y == b.y) {
              assertThat(Math.max(a.x - (b.x + b.width), b.x - (a.x + a.width)))
                  .isGreaterThanOrEqualTo(TimelinePlot.LABEL_GAP);
            }
          }
        }
      }
      if (n <= rows) {
        assertThat(boxes).doesNotContainNull();
      }
    }
  }

  /** The real report's phases (setup, precopy, stop-copy, completing) get one row when they fit. */
  @Test
  void phasesFarApartShareTheTopRow() {
    Rectangle plot = TimelinePlot.plotArea(TimelinePlot.WIDTH, TimelinePlot.HEIGHT);
    List<Rectangle> boxes =
        TimelinePlot.labelBoxes(
            new int[] {plot.x, plot.x + 300, plot.x + 600}, new int[] {60, 60, 60}, plot);
    assertThat(boxes).extracting(b -> b.y).containsOnly(plot.y + 3);
  }

  @Test
  void aPlotThatCannotBeWrittenSaysWhyInWords() {
    Path missing = dir.resolve("no-such-dir").resolve("t.png");
    assertThatThrownBy(() -> TimelinePlot.write(Reports.completed(), missing))
        .isInstanceOfSatisfying(
            IOException.class,
            e ->
                assertThat(TimelinePlot.reason(e))
                    .isEqualTo("no such directory " + missing.getParent()));
  }

  @Test
  void refusesATinyImage() {
    assertThatThrownBy(() -> TimelinePlot.write(Reports.completed(), dir.resolve("t.png"), 10, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("320x200");
  }

  @Test
  void niceSteps() {
    assertThat(TimelinePlot.niceStep(1234, 8)).isEqualTo(200);
    assertThat(TimelinePlot.niceStep(2000, 8)).isEqualTo(500);
    assertThat(TimelinePlot.niceStep(10, 8)).isEqualTo(2);
    assertThat(TimelinePlot.niceStep(1, 8)).isEqualTo(1);
    assertThat(TimelinePlot.niceStep(3_600_005, 8)).isEqualTo(500_000);
    long mib = 1L << 20;
    assertThat(TimelinePlot.byteStep(5 * mib, 5)).isEqualTo(mib);
    assertThat(TimelinePlot.byteStep(4 * mib + 1, 5)).isEqualTo(mib);
    assertThat(TimelinePlot.byteStep(900 * mib, 5)).isEqualTo(256 * mib);
    assertThat(TimelinePlot.byteStep(mib + mib / 2, 5)).isEqualTo(mib / 2);
    assertThat(TimelinePlot.byteStep(3, 5)).isEqualTo(1);
    assertThat(TimelinePlot.byteStep(Long.MAX_VALUE, 5)).isEqualTo(1L << 61);
    assertThat(TimelinePlot.byteStep(Long.MAX_VALUE, 1)).isEqualTo(1L << 62);
  }

  /**
   * A VM's 2 s: device bytes all along; guest RAM sent from 300 ms to 1000 ms (its precopy passes),
   * none until the switchover, then more in stop-copy (1550-1800 ms, in the downtime window).
   */
  private static MigrationReport withRam(MigrationReport.Side side) {
    List<Sample> s = new ArrayList<>();
    long ram = 0;
    for (Sample d : Reports.timeline()) {
      long t = d.tMillis();
      if ((t >= 300 && t <= 1000) || (t >= 1550 && t <= 1800)) {
        ram += 200 << 10;
      }
      s.add(new Sample(t, d.bytesSent() + ram, d.dirtyBytes(), d.phase(), ram));
    }
    return ReportCopy.of(Reports.completed())
        .side(side)
        .downtime(1500, 300, 300)
        .totalMs(2000)
        .timeline(s)
        .guestRam(GuestRamReportTest.RAM)
        .build();
  }

  /**
   * The guest RAM has its band: filled from the axis where RAM was sent and nowhere before, its
   * line, a darker band inside the downtime window (the RAM of stop-copy), and a legend entry.
   */
  @Test
  void aVmsRamHasItsOwnBandWhereItWasSent() throws IOException {
    Path png = dir.resolve("ram.png");
    TimelinePlot.write(withRam(MigrationReport.Side.SENDER), png);
    BufferedImage img = ImageIO.read(png.toFile());
    Rectangle plot = TimelinePlot.plotArea(img.getWidth(), img.getHeight());
    // before any RAM was sent: no band
    Rectangle before = new Rectangle(plot.x, plot.y, xOf(plot, 250) - plot.x, plot.height);
    assertThat(count(img, before, TimelinePlot.RAM_BAND_RGB)).isZero();
    assertThat(count(img, before, TimelinePlot.RAM_RGB)).isZero();
    // once the first pass went out: band from just above the axis, in every column
    for (int ms = 400; ms <= 1400; ms += 100) {
      Rectangle column = new Rectangle(xOf(plot, ms) + 2, plot.y, 1, plot.height - 1);
      assertThat(count(img, column, TimelinePlot.RAM_BAND_RGB))
          .as("band pixels at %d ms", ms)
          .isGreaterThan(4);
    }
    // the stop-copy part, seen through the downtime shade
    Rectangle window = new Rectangle(xOf(plot, 1500) + 2, plot.y, 50, plot.height);
    assertThat(count(img, window, TimelinePlot.RAM_BAND_DOWNTIME_RGB)).isGreaterThan(500);
    assertThat(count(img, window, TimelinePlot.RAM_BAND_RGB)).isZero();
    assertThat(count(img, plot, TimelinePlot.RAM_RGB)).isGreaterThan(500);
    // and its legend entry, between the bytes and the dirty bytes
    Rectangle header = new Rectangle(0, 0, img.getWidth(), plot.y);
    assertThat(count(img, header, TimelinePlot.RAM_RGB)).isPositive();
    assertThat(count(img, header, TimelinePlot.RAM_BAND_RGB)).isPositive();
    assertThat(TimelinePlot.legend(withRam(MigrationReport.Side.SENDER)))
        .containsExactly(
            "bytes sent", "guest RAM sent", "dirty bytes", "downtime 300 ms, limit 300 ms");
    assertThat(TimelinePlot.legend(withRam(MigrationReport.Side.RECEIVER)))
        .containsExactly("bytes received", "guest RAM received", "downtime 300 ms, limit 300 ms");
  }

  /**
   * A migration of devices only has no RAM band, no RAM line and no RAM legend entry, even when its
   * samples (wrongly) count RAM bytes: the report's guest RAM decides.
   */
  @Test
  void devicesOnlyHaveNoRamBand() throws IOException {
    MigrationReport vm = withRam(MigrationReport.Side.SENDER);
    MigrationReport counted = ReportCopy.of(vm).guestRam(null).build();
    for (MigrationReport r : List.of(Reports.completed(), withWindow(1200, 200, 300), counted)) {
      Path png = dir.resolve("devices.png");
      TimelinePlot.write(r, png);
      BufferedImage img = ImageIO.read(png.toFile());
      Rectangle all = new Rectangle(0, 0, img.getWidth(), img.getHeight());
      assertThat(count(img, all, TimelinePlot.RAM_BAND_RGB)).isZero();
      assertThat(count(img, all, TimelinePlot.RAM_BAND_DOWNTIME_RGB)).isZero();
      assertThat(count(img, all, TimelinePlot.RAM_RGB)).isZero();
      assertThat(TimelinePlot.legend(r)).noneMatch(e -> e.contains("RAM"));
    }
  }

  private static int count(BufferedImage img, Rectangle r, int rgb) {
    int n = 0;
    for (int y = Math.max(0, r.y); y < Math.min(img.getHeight(), r.y + r.height); y++) {
      for (int x = Math.max(0, r.x); x < Math.min(img.getWidth(), r.x + r.width); x++) {
        if ((img.getRGB(x, y) & 0xffffff) == rgb) {
          n++;
        }
      }
    }
    return n;
  }

  private static int nonBackground(BufferedImage img, Rectangle r) {
    int all = r.width * r.height;
    return all - count(img, r, 0xffffff);
  }
}
