package io.jvfio.client;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A device's own DMA dirty logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_START, _REPORT, _STOP). The
 * ranges array and the bitmap are pointers the kernel follows, so they must be the process's own
 * memory (on the emulated host: memory its {@code UserMemory} maps).
 */
public final class DmaLogging {
  private DmaLogging() {}

  /** PROBE of SET DMA_LOGGING_START: whether the device logs its DMA (ENOTTY: it does not). */
  public static boolean supported(VfioDevice device) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_PROBE
                  | VFIO_DEVICE_FEATURE_SET
                  | VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
              0);
      int r = device.sys().ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s);
      if (r == Errno.ENOTTY.negative()) {
        return false;
      }
      Calls.check(r, "VFIO_DEVICE_FEATURE(PROBE DMA_LOGGING_START, " + device.name() + ")");
      return true;
    }
  }

  /**
   * DMA_LOGGING_START over {@code [iova, iova + length)} at {@code pageSize}; {@code scratch} (at
   * least 16 bytes of the process's memory) holds the one range. Returns the page size the device
   * tracks at, which it may round.
   */
  public static long start(
      VfioDevice device, long iova, long length, long pageSize, MemorySegment scratch) {
    VfioDeviceFeatureDmaLoggingRange.IOVA.set(scratch, iova);
    VfioDeviceFeatureDmaLoggingRange.LENGTH.set(scratch, length);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
              VfioDeviceFeatureDmaLoggingControl.SIZEOF);
      MemorySegment c = s.asSlice(VfioDeviceFeature.DATA_OFFSET);
      VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(c, pageSize);
      VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(c, 1);
      VfioDeviceFeatureDmaLoggingControl.RANGES.set(c, scratch.address());
      Calls.check(
          device.sys().ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s),
          "VFIO_DEVICE_FEATURE(DMA_LOGGING_START, " + device.name() + ")");
      return VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.get(c);
    }
  }

  /**
   * DMA_LOGGING_REPORT of {@code [iova, iova + length)} at {@code pageSize} into {@code bitmap}
   * (the process's memory, one bit per page, rounded up to u64 words); the reported pages are
   * cleared in the device's log.
   */
  public static void report(
      VfioDevice device, long iova, long length, long pageSize, MemorySegment bitmap) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(
              a,
              VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
              VfioDeviceFeatureDmaLoggingReport.SIZEOF);
      MemorySegment r = s.asSlice(VfioDeviceFeature.DATA_OFFSET);
      VfioDeviceFeatureDmaLoggingReport.IOVA.set(r, iova);
      VfioDeviceFeatureDmaLoggingReport.LENGTH.set(r, length);
      VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.set(r, pageSize);
      VfioDeviceFeatureDmaLoggingReport.BITMAP.set(r, bitmap.address());
      Calls.check(
          device.sys().ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s),
          "VFIO_DEVICE_FEATURE(DMA_LOGGING_REPORT, " + device.name() + ")");
    }
  }

  /** DMA_LOGGING_STOP. */
  public static void stop(VfioDevice device) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s =
          feature(a, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, 0);
      Calls.check(
          device.sys().ioctl(device.fd(), VfioIoctls.VFIO_DEVICE_FEATURE, s),
          "VFIO_DEVICE_FEATURE(DMA_LOGGING_STOP, " + device.name() + ")");
    }
  }

  private static MemorySegment feature(Arena a, int flags, long payload) {
    MemorySegment s = a.allocate(VfioDeviceFeature.SIZEOF + payload, 8);
    VfioDeviceFeature.ARGSZ.set(s, (int) s.byteSize());
    VfioDeviceFeature.FLAGS.set(s, flags);
    return s;
  }
}
