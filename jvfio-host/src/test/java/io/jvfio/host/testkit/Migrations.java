package io.jvfio.host.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.uapi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Migration through the syscalls: a host of model-backed vfio-pci functions, a device opened
 * through its cdev, and the VFIO_DEVICE_FEATURE and data-fd ioctls, answering the raw return value
 * or what the kernel wrote back.
 */
public final class Migrations {
  /** The {@code data_fd} a SET passes in, to tell "not written back" from a written value. */
  public static final int UNTOUCHED = 0x5a5a5a5a;

  public static final int GET = VfioConstants.VFIO_DEVICE_FEATURE_GET;
  public static final int SET = VfioConstants.VFIO_DEVICE_FEATURE_SET;
  public static final int PROBE = VfioConstants.VFIO_DEVICE_FEATURE_PROBE;

  private Migrations() {}

  /** A host whose function {@code 0000:00:0N.0} (N = i + 1, IOMMU group N, FLR) plays models[i]. */
  public static Host host(DeviceModel... models) {
    return Hosts.modelHost(
        "",
        i ->
            String.format(
                "function 0000:00:%02x.0 1b36:0010 driver=vfio-pci:m%d flr=yes group=%d%n",
                i + 1, i, i + 1),
        models);
  }

  /** The vfio device playing models[i] of {@link #host}. */
  public static VfioDevice device(Host host, int i) {
    return host.device(String.format("0000:00:%02x.0", i + 1)).orElseThrow();
  }

  /** Opens a new iommufd and the cdev of models[i], binds them and returns the device fd. */
  public static int open(HostProcess p, Host host, int i) {
    int iommufd = Iommufd.openIommufdOk(p);
    int dev = Kit.openOk(p, device(host, i).cdevPath());
    assertThat(Cdev.bindRaw(p, dev, iommufd)).as("BIND").isZero();
    return dev;
  }

  /** A FEATURE argument: header with argsz = 8 + payloadSize and {@code flags}, zero payload. */
  public static MemorySegment featureArg(int flags, long payloadSize) {
    MemorySegment s = Kit.buf(VfioDeviceFeature.MINSZ + payloadSize);
    VfioDeviceFeature.ARGSZ.set(s, s.byteSize());
    VfioDeviceFeature.FLAGS.set(s, flags);
    return s;
  }

  /** VFIO_DEVICE_FEATURE with {@code arg} as given: 0 or -errno. */
  public static int feature(HostProcess p, int fd, MemorySegment arg) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_FEATURE, arg);
  }

  /** PROBE of {@code index} with the op bits {@code ops} (GET, SET or both), no payload. */
  public static int probe(HostProcess p, int fd, int index, int ops) {
    return feature(p, fd, featureArg(PROBE | ops | index, 0));
  }

  /** MIGRATION GET: the migration flags, or -errno. */
  public static long migrationFlags(HostProcess p, int fd) {
    MemorySegment s = featureArg(GET | 1, VfioDeviceFeatureMigration.SIZEOF);
    int ret = feature(p, fd, s);
    return ret < 0 ? ret : VfioDeviceFeatureMigration.FLAGS.get(s.asSlice(8));
  }

  /** MIG_DEVICE_STATE GET: the state value, or -errno. */
  public static int getState(HostProcess p, int fd) {
    MemorySegment s = featureArg(GET | 2, VfioDeviceFeatureMigState.SIZEOF);
    VfioDeviceFeatureMigState.DATA_FD.set(s.asSlice(8), UNTOUCHED);
    int ret = feature(p, fd, s);
    if (ret == 0) {
      assertThat(VfioDeviceFeatureMigState.DATA_FD.get(s.asSlice(8)))
          .as("GET data_fd")
          .isEqualTo(-1);
    }
    return ret < 0 ? ret : VfioDeviceFeatureMigState.DEVICE_STATE.get(s.asSlice(8));
  }

  /** The current state through GET, asserting success. */
  public static MigrationState state(HostProcess p, int fd) {
    int v = getState(p, fd);
    assertThat(v).as("GET MIG_DEVICE_STATE").isGreaterThanOrEqualTo(0);
    return MigrationState.of(v).orElseThrow();
  }

  /** What a SET returned and wrote back ({@link #UNTOUCHED} when data_fd was not written). */
  public record SetResult(int ret, int deviceState, int dataFd) {}

  /** MIG_DEVICE_STATE SET of the raw value {@code state} (data_fd passed as UNTOUCHED). */
  public static SetResult setState(HostProcess p, int fd, long state) {
    MemorySegment s = featureArg(SET | 2, VfioDeviceFeatureMigState.SIZEOF);
    MemorySegment d = s.asSlice(8);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(d, state);
    VfioDeviceFeatureMigState.DATA_FD.set(d, UNTOUCHED);
    int ret = feature(p, fd, s);
    return new SetResult(
        ret,
        VfioDeviceFeatureMigState.DEVICE_STATE.get(d),
        VfioDeviceFeatureMigState.DATA_FD.get(d));
  }

  /** SET to {@code state}, asserting success; the new data fd or -1. */
  public static int set(HostProcess p, int fd, MigrationState state) {
    SetResult r = setState(p, fd, state.value());
    assertThat(r.ret()).as("SET %s", state).isZero();
    assertThat(r.deviceState()).isEqualTo(state.value());
    return r.dataFd();
  }

  /** MIG_DATA_SIZE GET: stop_copy_length, or -errno. */
  public static long dataSize(HostProcess p, int fd) {
    MemorySegment s = featureArg(GET | 9, VfioDeviceFeatureMigDataSize.SIZEOF);
    int ret = feature(p, fd, s);
    return ret < 0 ? ret : VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.get(s.asSlice(8));
  }

  /** MIG_PRECOPY_INFOv2 SET (the opt-in): 0 or -errno. */
  public static int precopyV2(HostProcess p, int fd) {
    return feature(p, fd, featureArg(SET | 12, 0));
  }

  /** What VFIO_MIG_GET_PRECOPY_INFO returned and wrote back. */
  public record PrecopyInfo(int ret, int flags, long initialBytes, long dirtyBytes) {}

  /** VFIO_MIG_GET_PRECOPY_INFO on a data fd with argsz 24 and {@code flags} passed in. */
  public static PrecopyInfo precopyInfo(HostProcess p, int dataFd, int flags) {
    MemorySegment s = Kit.buf(VfioPrecopyInfo.SIZEOF);
    VfioPrecopyInfo.ARGSZ.set(s, (int) VfioPrecopyInfo.SIZEOF);
    VfioPrecopyInfo.FLAGS.set(s, flags);
    int ret = p.ioctl(dataFd, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, s);
    return new PrecopyInfo(
        ret,
        VfioPrecopyInfo.FLAGS.get(s),
        VfioPrecopyInfo.INITIAL_BYTES.get(s),
        VfioPrecopyInfo.DIRTY_BYTES.get(s));
  }

  /** What DMA_LOGGING_START returned and the page_size written back. */
  public record LogStart(int ret, long pageSize) {}

  /**
   * DMA_LOGGING_START with {@code ranges} given as (iova, length) pairs, stored in process memory.
   */
  public static LogStart logStart(HostProcess p, int fd, long pageSize, long... ranges) {
    int n = ranges.length / 2;
    long rsize = VfioDeviceFeatureDmaLoggingRange.SIZEOF;
    MemorySegment array = p.memory().map(Math.max(1, n) * rsize);
    for (int i = 0; i < n; i++) {
      MemorySegment r = array.asSlice(i * rsize, rsize);
      VfioDeviceFeatureDmaLoggingRange.IOVA.set(r, ranges[2 * i]);
      VfioDeviceFeatureDmaLoggingRange.LENGTH.set(r, ranges[2 * i + 1]);
    }
    return logStart(p, fd, pageSize, n, array.address());
  }

  /** DMA_LOGGING_START with a raw {@code num_ranges} and {@code ranges} pointer. */
  public static LogStart logStart(
      HostProcess p, int fd, long pageSize, long numRanges, long rangesAddress) {
    MemorySegment s = featureArg(SET | 6, VfioDeviceFeatureDmaLoggingControl.SIZEOF);
    MemorySegment c = s.asSlice(8);
    VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(c, pageSize);
    VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(c, numRanges);
    VfioDeviceFeatureDmaLoggingControl.RANGES.set(c, rangesAddress);
    int ret = feature(p, fd, s);
    return new LogStart(ret, VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.get(c));
  }

  /** DMA_LOGGING_STOP: 0 or -errno. */
  public static int logStop(HostProcess p, int fd) {
    return feature(p, fd, featureArg(SET | 7, 0));
  }

  /** DMA_LOGGING_REPORT into the bitmap at {@code bitmapAddress}: 0 or -errno. */
  public static int logReport(
      HostProcess p, int fd, long iova, long length, long pageSize, long bitmapAddress) {
    MemorySegment s = featureArg(GET | 8, VfioDeviceFeatureDmaLoggingReport.SIZEOF);
    MemorySegment r = s.asSlice(8);
    VfioDeviceFeatureDmaLoggingReport.IOVA.set(r, iova);
    VfioDeviceFeatureDmaLoggingReport.LENGTH.set(r, length);
    VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.set(r, pageSize);
    VfioDeviceFeatureDmaLoggingReport.BITMAP.set(r, bitmapAddress);
    return feature(p, fd, s);
  }

  /** Reads {@code fd} in {@code chunk}-byte reads until a read returns 0; asserts no error. */
  public static byte[] readAll(HostProcess p, int fd, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MemorySegment buf = Kit.buf(chunk);
    while (true) {
      long n = p.read(fd, buf);
      assertThat(n).as("read fd %d", fd).isGreaterThanOrEqualTo(0);
      if (n == 0) {
        return out.toByteArray();
      }
      out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
    }
  }

  /** read(2) of up to {@code n} bytes: the bytes read, or null on error. */
  public static byte[] read(HostProcess p, int fd, int n) {
    MemorySegment buf = Kit.buf(n);
    long r = p.read(fd, buf);
    return r < 0 ? null : buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
  }

  /** write(2) of {@code bytes[from, to)}: bytes written or -errno. */
  public static long write(HostProcess p, int fd, byte[] bytes, int from, int to) {
    MemorySegment buf = Kit.buf(to - from);
    MemorySegment.copy(bytes, from, buf, ValueLayout.JAVA_BYTE, 0, to - from);
    return p.write(fd, buf);
  }
}
