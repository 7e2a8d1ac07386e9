package io.jvfio.migration.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.migration.report.MigrationReport.Sample;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

  @Test
  void runsHeadless() throws IOException {
    TimelinePlot.write(Reports.completed(), dir.resolve("h.png"));
    assertThat(System.getProperty("java.awt.headless")).isNotNull();
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
