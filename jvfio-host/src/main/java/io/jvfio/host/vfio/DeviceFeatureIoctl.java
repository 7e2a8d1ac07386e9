package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.iommu.Iova;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * VFIO_DEVICE_FEATURE: the core's header checks, dispatch by index, the {@code vfio_check_feature}
 * rules, and the features the core owns (migration, device state, data size, the precopy-info v2
 * opt-in, DMA logging). Other indices go to the device model.
 */
final class DeviceFeatureIoctl {
  /** {@code LOG_MAX_RANGES}: a page of 16-byte ranges. */
  static final int LOG_MAX_RANGES = 4096 / 16;

  private static final int OPS =
      VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE;
  private static final long PAYLOAD = VfioDeviceFeature.DATA_OFFSET;
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final VfioDevice device;
  private final UserArg arg;
  private final int flags;
  private final long payloadSize;

  private DeviceFeatureIoctl(VfioDevice device, UserArg arg, int flags, long payloadSize) {
    this.device = device;
    this.arg = arg;
    this.flags = flags;
    this.payloadSize = payloadSize;
  }

  static int ioctl(VfioDevice device, UserArg arg) {
    MemorySegment header = arg.copyIn(VfioDeviceFeature.MINSZ);
    long argsz = VfioDeviceFeature.ARGSZ.getUnsigned(header);
    int flags = VfioDeviceFeature.FLAGS.get(header);
    KernelError.check(argsz >= VfioDeviceFeature.MINSZ, Errno.EINVAL);
    KernelError.check((flags & ~(VFIO_DEVICE_FEATURE_MASK | OPS)) == 0, Errno.EINVAL);
    boolean get = (flags & VFIO_DEVICE_FEATURE_GET) != 0;
    boolean set = (flags & VFIO_DEVICE_FEATURE_SET) != 0;
    KernelError.check(!(get && set) || (flags & VFIO_DEVICE_FEATURE_PROBE) != 0, Errno.EINVAL);
    return new DeviceFeatureIoctl(device, arg, flags, argsz - VfioDeviceFeature.MINSZ).dispatch();
  }

  private int dispatch() {
    int index = flags & VFIO_DEVICE_FEATURE_MASK;
    return switch (index) {
      case VFIO_DEVICE_FEATURE_MIGRATION -> migration();
      case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE -> deviceState();
      case VFIO_DEVICE_FEATURE_DMA_LOGGING_START -> loggingStart();
      case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP -> loggingStop();
      case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT -> loggingReport();
      case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE -> dataSize();
      case VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 -> precopyInfoV2();
      default -> driverFeature(index);
    };
  }

  /**
   * {@code vfio_check_feature}: true to go on, false when a PROBE has been answered (0); EINVAL for
   * an op the feature lacks, no op at all, or a short payload.
   */
  private boolean check(int supported, long minsz) {
    KernelError.check(
        (flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET) & ~supported) == 0,
        Errno.EINVAL);
    if ((flags & VFIO_DEVICE_FEATURE_PROBE) != 0) {
      return false;
    }
    KernelError.check(
        (flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) != 0, Errno.EINVAL);
    KernelError.check(payloadSize >= minsz, Errno.EINVAL);
    return true;
  }

  private ModelFailures failures() {
    return device.modelFailures();
  }

  private DeviceMigration mig() {
    DeviceMigration m = device.migration();
    if (m == null) {
      throw new KernelError(Errno.ENOTTY, device.name() + " cannot migrate");
    }
    return m;
  }

  private DmaLogging log() {
    DmaLogging l;
    try {
      l = device.model().dmaLogging();
    } catch (Throwable t) {
      throw failures().answer("dmaLogging()", t);
    }
    if (l == null) {
      throw new KernelError(Errno.ENOTTY, device.name() + " has no DMA logging");
    }
    return l;
  }

  private int migration() {
    DeviceMigration m = mig();
    if (!check(VFIO_DEVICE_FEATURE_GET, VfioDeviceFeatureMigration.SIZEOF)) {
      return 0;
    }
    MemorySegment k = MemorySegment.ofArray(new byte[(int) VfioDeviceFeatureMigration.SIZEOF]);
    VfioDeviceFeatureMigration.FLAGS.set(k, m.flags());
    arg.copyOut(PAYLOAD, k, 0, k.byteSize());
    return 0;
  }

  private int deviceState() {
    DeviceMigration m = mig();
    if (!check(
        VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET, VfioDeviceFeatureMigState.SIZEOF)) {
      return 0;
    }
    long size = VfioDeviceFeatureMigState.SIZEOF;
    MemorySegment k = arg.copyIn(PAYLOAD, size);
    if ((flags & VFIO_DEVICE_FEATURE_GET) != 0) {
      VfioDeviceFeatureMigState.DEVICE_STATE.set(k, m.state().value());
      VfioDeviceFeatureMigState.DATA_FD.set(k, -1);
      arg.copyOut(PAYLOAD, k, 0, size);
      return 0;
    }
    long requested = VfioDeviceFeatureMigState.DEVICE_STATE.getUnsigned(k);
    // the requested value goes back unchanged whatever happens; the caller GETs the real state
    VfioDeviceFeatureMigState.DATA_FD.set(k, -1);
    MigrationFile opened;
    try {
      opened = m.set(requested);
    } catch (KernelError e) {
      arg.copyOut(PAYLOAD, k, 0, size);
      throw e;
    }
    if (opened == null) {
      arg.copyOut(PAYLOAD, k, 0, size);
      return 0;
    }
    // the device is already in the new state; a failure below only loses the fd
    arg.fds().reserve();
    int fd = DeviceMigration.install(arg.fds(), opened);
    VfioDeviceFeatureMigState.DATA_FD.set(k, fd);
    try {
      arg.copyOut(PAYLOAD, k, 0, size);
    } catch (KernelError e) {
      arg.fds().close(fd);
      throw e;
    }
    return 0;
  }

  private int dataSize() {
    DeviceMigration m = mig();
    if (!check(VFIO_DEVICE_FEATURE_GET, VfioDeviceFeatureMigDataSize.SIZEOF)) {
      return 0;
    }
    MemorySegment k = MemorySegment.ofArray(new byte[(int) VfioDeviceFeatureMigDataSize.SIZEOF]);
    VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.set(k, m.stopCopyLength());
    arg.copyOut(PAYLOAD, k, 0, k.byteSize());
    return 0;
  }

  private int precopyInfoV2() {
    DeviceMigration m = device.migration();
    // checked before the op rules: a device without PRE_COPY answers EINVAL even to PROBE
    KernelError.check(m != null && (m.flags() & VFIO_MIGRATION_PRE_COPY) != 0, Errno.EINVAL);
    if (!check(VFIO_DEVICE_FEATURE_SET, 0)) {
      return 0;
    }
    m.optIntoPrecopyInfoV2();
    return 0;
  }

  private int loggingStart() {
    DmaLogging log = log();
    long size = VfioDeviceFeatureDmaLoggingControl.SIZEOF;
    if (!check(VFIO_DEVICE_FEATURE_SET, size)) {
      return 0;
    }
    MemorySegment k = arg.copyIn(PAYLOAD, size);
    long pageSize = VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.get(k);
    long n = VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.getUnsigned(k);
    long ptr = VfioDeviceFeatureDmaLoggingControl.RANGES.get(k);
    KernelError.check(n != 0, Errno.EINVAL);
    KernelError.check(n <= LOG_MAX_RANGES, Errno.E2BIG);
    List<DmaLogging.Range> ranges = new ArrayList<>();
    long mask = pageSize - 1;
    long rsize = VfioDeviceFeatureDmaLoggingRange.SIZEOF;
    for (long i = 0; i < n; i++) {
      MemorySegment r = arg.memory().resolve(ptr + i * rsize, rsize);
      long iova = VfioDeviceFeatureDmaLoggingRange.IOVA.get(r);
      long length = VfioDeviceFeatureDmaLoggingRange.LENGTH.get(r);
      KernelError.check((iova & mask) == 0 && (length & mask) == 0, Errno.EINVAL);
      KernelError.check(!Iova.addOverflows(iova, length), Errno.EOVERFLOW);
      for (DmaLogging.Range prev : ranges) {
        boolean overlap =
            length != 0
                && prev.length() != 0
                && Iova.intersects(
                    prev.iova(), prev.iova() + prev.length() - 1, iova, iova + length - 1);
        KernelError.check(!overlap, Errno.EINVAL);
      }
      ranges.add(new DmaLogging.Range(iova, length));
    }
    long tracked;
    try {
      tracked = log.start(List.copyOf(ranges), pageSize);
    } catch (Throwable t) {
      throw failures().answer("DMA logging start", t);
    }
    VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(k, tracked);
    try {
      arg.copyOut(PAYLOAD, k, 0, size);
    } catch (KernelError e) {
      try {
        log.stop();
      } catch (Throwable t) {
        failures().record("DMA logging stop after a failed copy-out", t);
      }
      throw e;
    }
    return 0;
  }

  private int loggingStop() {
    DmaLogging log = log();
    if (!check(VFIO_DEVICE_FEATURE_SET, 0)) {
      return 0;
    }
    try {
      log.stop();
    } catch (Throwable t) {
      throw failures().answer("DMA logging stop", t);
    }
    return 0;
  }

  private int loggingReport() {
    DmaLogging log = log();
    long size = VfioDeviceFeatureDmaLoggingReport.SIZEOF;
    if (!check(VFIO_DEVICE_FEATURE_GET, size)) {
      return 0;
    }
    MemorySegment k = arg.copyIn(PAYLOAD, size);
    long iova = VfioDeviceFeatureDmaLoggingReport.IOVA.get(k);
    long length = VfioDeviceFeatureDmaLoggingReport.LENGTH.get(k);
    long pageSize = VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.get(k);
    long bitmap = VfioDeviceFeatureDmaLoggingReport.BITMAP.get(k);
    KernelError.check(
        Long.compareUnsigned(pageSize, 4096) >= 0 && Long.bitCount(pageSize) == 1, Errno.EINVAL);
    KernelError.check(!Iova.addOverflows(iova, length), Errno.EOVERFLOW);
    long pages = Long.divideUnsigned(length + pageSize - 1, pageSize);
    long bytes = ((pages + 63) / 64) * 8;
    MemorySegment bits = bytes == 0 ? MemorySegment.NULL : arg.memory().resolve(bitmap, bytes);
    KernelError.check(!bits.isReadOnly(), Errno.EFAULT);
    try {
      log.report(
          iova,
          length,
          pageSize,
          page -> {
            if (page < 0 || page >= pages) {
              // a model bug: caught below like any other
              throw new IllegalStateException(
                  "reported page " + page + " of a " + pages + "-page range");
            }
            long at = (page / 64) * 8;
            bits.set(U64, at, bits.get(U64, at) | (1L << (page % 64)));
          });
    } catch (Throwable t) {
      throw failures().answer("DMA logging report", t);
    }
    return 0;
  }

  private int driverFeature(int index) {
    // the model reads and writes the caller's payload in place, as a driver's copy_*_user would
    // argsz has no upper bound and a driver faults only on the bytes it touches: hand over what the
    // caller mapped, and make a touch past it (or a write to read-only memory) EFAULT
    MemorySegment payload = mappedPayload();
    String where = "device feature " + index;
    try {
      return device.model().deviceFeature(index, flags & OPS, payload);
    } catch (IndexOutOfBoundsException e) {
      if (payload.byteSize() < payloadSize) {
        throw new KernelError(Errno.EFAULT, "payload beyond the caller's memory");
      }
      throw failures().answer(where, e);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // what the FFM API throws for a write to a read-only segment
      if (payload.isReadOnly()) {
        throw new KernelError(Errno.EFAULT, "payload memory is read-only");
      }
      throw failures().answer(where, e);
    } catch (Throwable t) {
      throw failures().answer(where, t);
    }
  }

  /** The longest prefix of {@code [PAYLOAD, PAYLOAD + payloadSize)} the caller has mapped. */
  private MemorySegment mappedPayload() {
    try {
      return arg.slice(PAYLOAD, payloadSize);
    } catch (KernelError e) {
      long lo = 0; // mapped (the header was read, so offset PAYLOAD is reachable)
      long hi = payloadSize; // not mapped
      while (hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        try {
          arg.slice(PAYLOAD, mid);
          lo = mid;
        } catch (KernelError notMapped) {
          hi = mid;
        }
      }
      return arg.slice(PAYLOAD, lo);
    }
  }
}
