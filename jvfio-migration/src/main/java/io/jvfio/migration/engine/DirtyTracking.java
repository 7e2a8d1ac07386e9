package io.jvfio.migration.engine;

import io.jvfio.client.DmaLogging;
import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioException;
import io.jvfio.uapi.iommufd.IommufdConstants;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * How the pages that devices write into guest RAM by DMA are found while the VM migrates, in QEMU's
 * order of preference: the devices' own DMA logging when every device has it, else the IOMMU's
 * dirty bits through iommufd (a HWPT allocated with dirty tracking), else none, and every page
 * mapped for DMA is resent at stop-copy.
 */
public final class DirtyTracking {
  /** The method in use. */
  public enum Method {
    DEVICE_DMA_LOGGING("device DMA logging"),
    IOMMUFD("iommufd dirty tracking"),
    NONE("none");

    private final String text;

    Method(String text) {
      this.text = text;
    }

    /** The method's name in summaries and JSON. */
    public String text() {
      return text;
    }
  }

  /** What the VMM asks for: the best available, or one method (refused when unavailable). */
  public enum Choice {
    AUTO,
    DEVICE_DMA_LOGGING,
    IOMMUFD,
    NONE
  }

  private final GuestRam ram;
  private final Iommufd iommufd;
  private final List<MigratingDevice> devices;
  private final long iova;
  private final Method method;
  private final String reason;
  private final List<Integer> hwpts;
  private final MemorySegment bitmap;
  private final MemorySegment rangeScratch;
  private final long[] trackedPageSize;
  private boolean started;
  private long devicePages;

  /** Test hook: read the devices' dirty pages but drop them, as a broken VMM would. */
  private volatile boolean dropDeviceDirty;

  private DirtyTracking(
      GuestRam ram,
      Iommufd iommufd,
      List<MigratingDevice> devices,
      long iova,
      Method method,
      String reason,
      List<Integer> hwpts) {
    this.ram = ram;
    this.iommufd = iommufd;
    this.devices = List.copyOf(devices);
    this.iova = iova;
    this.method = method;
    this.reason = reason;
    this.hwpts = List.copyOf(hwpts);
    long words = (ram.pages() + 63) / 64;
    this.bitmap = method == Method.NONE ? null : ram.allocator().allocate(words * 8);
    this.rangeScratch = method == Method.DEVICE_DMA_LOGGING ? ram.allocator().allocate(16) : null;
    this.trackedPageSize = new long[devices.size()];
  }

  static DirtyTracking attach(
      GuestRam ram, Iommufd iommufd, List<MigratingDevice> devices, long iova, Choice choice) {
    for (MigratingDevice d : devices) {
      if (!d.device().isCdev()) {
        throw new MigrationFailure(
            d.bdf()
                + " was opened through its group: guest RAM is mapped into an iommufd IOAS, so"
                + " every device must be opened through its cdev");
      }
    }
    List<String> noLogging = new ArrayList<>();
    List<String> noDirtyBits = new ArrayList<>();
    for (MigratingDevice d : devices) {
      if (!DmaLogging.supported(d.device())) {
        noLogging.add(name(d));
      }
      if (!iommuDirtyBits(iommufd, d)) {
        noDirtyBits.add(name(d));
      }
    }
    Method method;
    String reason;
    switch (choice) {
      case AUTO -> {
        if (noLogging.isEmpty()) {
          method = Method.DEVICE_DMA_LOGGING;
          reason = "every device has it";
        } else if (noDirtyBits.isEmpty()) {
          method = Method.IOMMUFD;
          reason = String.join(", ", noLogging) + " " + has(noLogging) + " no DMA logging";
        } else {
          method = Method.NONE;
          reason =
              String.join(", ", noLogging)
                  + " "
                  + has(noLogging)
                  + " no DMA logging and the IOMMU of "
                  + String.join(", ", noDirtyBits)
                  + " no dirty tracking: every mapped page is resent at stop-copy";
        }
      }
      case DEVICE_DMA_LOGGING -> {
        if (!noLogging.isEmpty()) {
          throw new MigrationFailure(
              "device DMA logging was asked for, but "
                  + String.join(", ", noLogging)
                  + " "
                  + has(noLogging)
                  + " none");
        }
        method = Method.DEVICE_DMA_LOGGING;
        reason = "asked for (every device has it)";
      }
      case IOMMUFD -> {
        if (!noDirtyBits.isEmpty()) {
          throw new MigrationFailure(
              "iommufd dirty tracking was asked for, but the IOMMU of "
                  + String.join(", ", noDirtyBits)
                  + " has none");
        }
        method = Method.IOMMUFD;
        reason = "asked for";
      }
      default -> {
        method = Method.NONE;
        reason = "asked for: every mapped page is resent at stop-copy";
      }
    }
    int ioas = iommufd.allocIoas();
    iommufd.map(ioas, ram.memory(), iova);
    List<Integer> hwpts = new ArrayList<>();
    for (MigratingDevice d : devices) {
      if (method != Method.IOMMUFD) {
        d.device().attach(ioas);
        continue;
      }
      // devices behind one IOMMU share a HWPT; one the HWPT does not suit gets its own
      boolean joined = false;
      for (int h : hwpts) {
        try {
          d.device().attach(h);
          joined = true;
          break;
        } catch (VfioException e) {
          // another IOMMU instance: try the next, or allocate one below
        }
      }
      if (!joined) {
        int h =
            iommufd.allocHwpt(
                d.device().devid(), ioas, IommufdConstants.IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
        d.device().attach(h);
        hwpts.add(h);
      }
    }
    return new DirtyTracking(ram, iommufd, devices, iova, method, reason, hwpts);
  }

  /** Whether the device's IOMMU has dirty bits; a kernel without GET_HW_INFO has none to offer. */
  private static boolean iommuDirtyBits(Iommufd iommufd, MigratingDevice d) {
    try {
      return iommufd.hwInfo(d.device().devid()).dirtyTracking();
    } catch (VfioException e) {
      return false;
    }
  }

  private static String name(MigratingDevice d) {
    return d.bdf() + " (" + d.model() + ")";
  }

  private static String has(List<String> l) {
    return l.size() == 1 ? "has" : "have";
  }

  public Method method() {
    return method;
  }

  /** Why this method, in a few words ("every device has it"). */
  public String reason() {
    return reason;
  }

  /** The IOVA the RAM is mapped at. */
  public long iova() {
    return iova;
  }

  /** Pages the devices were found to have written, summed over every sync. */
  long devicePages() {
    return devicePages;
  }

  void dropDeviceDirty(boolean on) {
    dropDeviceDirty = on;
  }

  boolean droppingDeviceDirty() {
    return dropDeviceDirty;
  }

  /** Starts tracking from a clean log: before the first pass over the RAM. */
  void start() {
    long length = ram.bytes();
    switch (method) {
      case DEVICE_DMA_LOGGING -> {
        for (int i = 0; i < devices.size(); i++) {
          trackedPageSize[i] =
              DmaLogging.start(devices.get(i).device(), iova, length, GuestRam.PAGE, rangeScratch);
          started = true;
        }
      }
      case IOMMUFD -> {
        for (int h : hwpts) {
          iommufd.setDirtyTracking(h, true);
          started = true;
        }
      }
      case NONE -> {}
    }
  }

  /**
   * Reads (and clears) what the devices wrote since the last sync, ORing one bit per RAM page into
   * {@code words}; returns the number of pages the devices reported. With method NONE nothing is
   * known and nothing is added: the caller resends every page at stop-copy.
   */
  long sync(long[] words) {
    long n = 0;
    switch (method) {
      case DEVICE_DMA_LOGGING -> {
        for (int i = 0; i < devices.size(); i++) {
          long page = trackedPageSize[i];
          clearBitmap();
          DmaLogging.report(devices.get(i).device(), iova, ram.bytes(), page, bitmap);
          n += collect(words, page);
        }
      }
      case IOMMUFD -> {
        for (int h : hwpts) {
          clearBitmap();
          iommufd.readDirty(h, iova, ram.bytes(), GuestRam.PAGE, bitmap, false);
          n += collect(words, GuestRam.PAGE);
        }
      }
      case NONE -> {}
    }
    devicePages += n;
    return n;
  }

  private void clearBitmap() {
    bitmap.fill((byte) 0);
  }

  /** ORs the bitmap (one bit per {@code page} bytes) into RAM-page words; counts the RAM pages. */
  private long collect(long[] words, long page) {
    long n = 0;
    long units = (ram.bytes() + page - 1) / page;
    for (long w = 0; w < (units + 63) / 64; w++) {
      for (long b = bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, w * 8); b != 0; b &= b - 1) {
        long unit = w * 64 + Long.numberOfTrailingZeros(b);
        long last = Math.min(ram.pages() - 1, ((unit + 1) * page - 1) / GuestRam.PAGE);
        for (long p = unit * page / GuestRam.PAGE; p <= last; p++) {
          n++;
          if (!dropDeviceDirty) {
            words[(int) (p >>> 6)] |= 1L << (p & 63);
          }
        }
      }
    }
    return n;
  }

  /** Stops tracking (after the final sync, or when the migration failed); best effort. */
  void stop() {
    if (!started) {
      return;
    }
    started = false;
    switch (method) {
      case DEVICE_DMA_LOGGING -> {
        for (MigratingDevice d : devices) {
          DmaLogging.stop(d.device());
        }
      }
      case IOMMUFD -> {
        for (int h : hwpts) {
          iommufd.setDirtyTracking(h, false);
        }
      }
      case NONE -> {}
    }
  }
}
