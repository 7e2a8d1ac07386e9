package io.jvfio.cli;

import io.jvfio.devices.memdev.MemoryBudget;
import io.jvfio.host.pci.PciAddress;
import io.jvfio.migration.transport.TcpTransport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The bounds of every option value, checked before anything is built: a bad value costs the user no
 * seconds of building hosts and always gets the same kind of sentence. Each check returns the value
 * in the unit the code uses or throws a {@link UsageException}.
 */
final class Checks {
  /** Largest memdev: 64 GiB each, far beyond any demo and still a bitmap of 2 MiB per device. */
  static final long MEMDEV_MIB_MAX = 65536;

  /**
   * The one default workload of {@code demo} and {@code migrate send}: 20000 pages/s (78 MiB/s) per
   * memdev, the rate of the migration bench's downtime runs, which a loopback migration outpaces
   * many times over, so precopy converges and the numbers of the three compare.
   */
  static final String DIRTY_RATE_DEFAULT = "20000";

  /** Highest workload: a million pages (3.8 GiB) per second per memdev, more than it can dirty. */
  static final double DIRTY_RATE_MAX = 1_000_000;

  /** Longest downtime limit: an hour (a limit longer than that is no limit). */
  static final long DOWNTIME_MS_MAX = 3_600_000;

  /** Longest timeout or deadline: a day, so every deadline computed from it stays in range. */
  static final long WAIT_MS_MAX = 86_400_000;

  private Checks() {}

  /** {@code --memdev-mib}: 1 to {@link #MEMDEV_MIB_MAX}; returns bytes. */
  static long memdevMib(String option, long mib) {
    if (mib < 1 || mib > MEMDEV_MIB_MAX) {
      throw UsageException.of(option, mib, "must be 1 to " + MEMDEV_MIB_MAX + " MiB");
    }
    return mib << 20;
  }

  /**
   * The memdev memory a run commits in all ({@code bytes}, for {@code what}, "4 memdev of 512 MiB")
   * must fit the JVM's device memory budget, else the run would stop half way with ENOMEM.
   */
  static void fitsBudget(String option, long mib, long bytes, String what) {
    long limit = MemoryBudget.shared().limit();
    if (bytes > limit) {
      throw UsageException.of(
          option,
          mib,
          what
              + " need "
              + (bytes >> 20)
              + " MiB, more than the "
              + (limit >> 20)
              + " MiB this JVM may give device memory (choose fewer MiB, or set -D"
              + MemoryBudget.PROPERTY
              + "=SIZE in JVFIO_JAVA_OPTS)");
    }
  }

  /** Most guest RAM a VM may have, in MiB (16 GiB: the emulator holds it in this JVM's memory). */
  static final long GUEST_RAM_MIB_MAX = 16384;

  /** {@code --guest-ram-mib}: 0 (no guest RAM) to {@link #GUEST_RAM_MIB_MAX}; returns bytes. */
  static long guestRamMib(String option, long mib) {
    if (mib < 0 || mib > GUEST_RAM_MIB_MAX) {
      throw UsageException.of(
          option, mib, "must be 0 (no guest RAM) to " + GUEST_RAM_MIB_MAX + " MiB");
    }
    return mib << 20;
  }

  /** {@code --guest-dirty-rate}: 0 to a million pages per second the guest CPU writes. */
  static double guestDirtyRate(String option, double rate) {
    if (!(rate >= 0 && rate <= DIRTY_RATE_MAX)) {
      throw UsageException.of(
          option, show(rate), "must be a number from 0 to " + show(DIRTY_RATE_MAX) + " pages/s");
    }
    return rate;
  }

  /** {@code --guest-dirty-tracking}: auto, dma-logging, iommufd or none. */
  static io.jvfio.migration.engine.DirtyTracking.Choice dirtyTracking(String option, String text) {
    return switch (text) {
      case "auto" -> io.jvfio.migration.engine.DirtyTracking.Choice.AUTO;
      case "dma-logging" -> io.jvfio.migration.engine.DirtyTracking.Choice.DEVICE_DMA_LOGGING;
      case "iommufd" -> io.jvfio.migration.engine.DirtyTracking.Choice.IOMMUFD;
      case "none" -> io.jvfio.migration.engine.DirtyTracking.Choice.NONE;
      default ->
          throw UsageException.of(option, text, "must be auto, dma-logging, iommufd or none");
    };
  }

  /** {@code --dirty-rate}: a number from 0 to {@link #DIRTY_RATE_MAX} pages per second. */
  static double dirtyRate(String option, double rate) {
    if (!(rate >= 0 && rate <= DIRTY_RATE_MAX)) {
      throw UsageException.of(
          option,
          show(rate),
          "must be a number from 0 to " + show(DIRTY_RATE_MAX) + " pages/s per memdev");
    }
    return rate;
  }

  /** A time option: {@code 1} to {@code max} milliseconds. */
  static Duration millis(String option, long ms, long max, String maxInWords) {
    if (ms < 1 || ms > max) {
      throw UsageException.of(option, ms, "must be 1 to " + max + " ms (" + maxInWords + ")");
    }
    return Duration.ofMillis(ms);
  }

  /** A timeout or deadline: 1 ms to a day. */
  static Duration wait(String option, long ms) {
    return millis(option, ms, WAIT_MS_MAX, "a day");
  }

  /** {@code HOST:PORT}, port 0 to 65535, IPv6 in brackets. */
  static InetSocketAddress address(String option, String text) {
    try {
      return TcpTransport.parse(text);
    } catch (IllegalArgumentException e) {
      throw UsageException.of(option, text, e.getMessage());
    }
  }

  /** A PCI address, in the kernel's spelling ({@code 0000:05:00.0}) whatever form was given. */
  private static final java.util.regex.Pattern UUID =
      java.util.regex.Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** Whether {@code text} has a UUID's shape, as an mdev's name has. */
  static boolean isUuid(String text) {
    return UUID.matcher(text).matches();
  }

  static String bdf(String option, String text) {
    try {
      return PciAddress.parse(text).toString();
    } catch (IllegalArgumentException e) {
      throw UsageException.of(
          option, text, "'" + text + "' is not a PCI address (DDDD:BB:SS.F, as 0000:05:00.0)");
    }
  }

  /**
   * A device named by a PCI address, where it is not an mdev's UUID or a cdev path (those are
   * checked against the devices themselves): the address in its long form.
   */
  static String deviceAddress(String option, String text) {
    try {
      return PciAddress.parse(text).toString();
    } catch (IllegalArgumentException e) {
      throw UsageException.of(
          option,
          text,
          "'"
              + text
              + "' is not a PCI address (DDDD:BB:SS.F, as 0000:05:00.0), an mdev's UUID or a cdev"
              + " path (/dev/vfio/devices/vfioN)");
    }
  }

  /** A list of PCI addresses, each once. */
  static List<String> bdfs(String option, List<String> texts) {
    String shown = String.join(",", texts);
    Set<String> seen = new LinkedHashSet<>();
    for (String text : texts) {
      String bdf;
      try {
        bdf = PciAddress.parse(text).toString();
      } catch (IllegalArgumentException e) {
        throw UsageException.of(
            option, shown, "'" + text + "' is not a PCI address (DDDD:BB:SS.F, as 0000:05:00.0)");
      }
      if (!seen.add(bdf)) {
        throw UsageException.of(option, shown, bdf + " is named twice; name each device once");
      }
    }
    return new ArrayList<>(seen);
  }

  /** Where {@code --plot} writes: a file in a directory that exists and can be written. */
  static void plot(String option, Path file) {
    if (file == null) {
      return;
    }
    if (Files.isDirectory(file)) {
      throw UsageException.of(option, file, "is a directory; give a file name, as timeline.png");
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw UsageException.of(option, file, "no such directory " + dir);
    }
    if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(dir)) {
      throw UsageException.of(option, file, "cannot be written (permission denied)");
    }
  }

  /** A number as typed: whole numbers without ".0", the rest as Java writes them. */
  static String show(double d) {
    return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : Double.toString(d);
  }
}
