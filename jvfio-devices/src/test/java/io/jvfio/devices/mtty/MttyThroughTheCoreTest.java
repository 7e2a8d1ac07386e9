package io.jvfio.devices.mtty;

import static io.jvfio.devices.mtty.MttyTestData.hexResource;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * MttyDevice behind jvfio's VFIO core, driven with the syscalls the lab's probe used against Linux,
 * expecting what Linux answered (resources {@code lab/linux-6.12.117-mttyprobe.log}).
 */
class MttyThroughTheCoreTest {
  private static final int GET = VfioConstants.VFIO_DEVICE_FEATURE_GET;
  private static final int SET = VfioConstants.VFIO_DEVICE_FEATURE_SET;

  private final MttyDevice src = new MttyDevice(1);
  private final MttyDevice dst = new MttyDevice(1);
  private final Host host =
      new Host(
          Topology.parse(
              """
              function 0000:00:01.0 4348:3253 driver=vfio-pci:src flr=yes group=1
              function 0000:00:02.0 4348:3253 driver=vfio-pci:dst flr=yes group=2
              """),
          new ModelRegistry().register("src", () -> src).register("dst", () -> dst));
  private final HostProcess p = host.process("probe");

  private int open(String bdf) {
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    int dev = p.open(host.device(bdf).orElseThrow().cdevPath(), OpenFlags.O_RDWR);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    MemorySegment b = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
    VfioDeviceBindIommufd.ARGSZ.set(b, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(b, iommufd);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b)).isZero();
    return dev;
  }

  private static MemorySegment feature(int flags, long payload) {
    MemorySegment s = MemorySegment.ofArray(new byte[(int) (VfioDeviceFeature.MINSZ + payload)]);
    VfioDeviceFeature.ARGSZ.set(s, s.byteSize());
    VfioDeviceFeature.FLAGS.set(s, flags);
    return s;
  }

  /** SET MIG_DEVICE_STATE: the ioctl result, and the data fd written back (or -1). */
  private int[] set(int dev, MigrationState state) {
    MemorySegment s = feature(SET | 2, VfioDeviceFeatureMigState.SIZEOF);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(s.asSlice(8), state.value());
    int ret = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_FEATURE, s);
    return new int[] {ret, VfioDeviceFeatureMigState.DATA_FD.get(s.asSlice(8))};
  }

  private long dataSize(int dev) {
    MemorySegment s = feature(GET | 9, VfioDeviceFeatureMigDataSize.SIZEOF);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_FEATURE, s)).isZero();
    return VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.get(s.asSlice(8));
  }

  private long[] precopyInfo(int fd) {
    MemorySegment s = MemorySegment.ofArray(new byte[(int) VfioPrecopyInfo.SIZEOF]);
    VfioPrecopyInfo.ARGSZ.set(s, (int) VfioPrecopyInfo.SIZEOF);
    int ret = p.ioctl(fd, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, s);
    return new long[] {
      ret, VfioPrecopyInfo.INITIAL_BYTES.get(s), VfioPrecopyInfo.DIRTY_BYTES.get(s)
    };
  }

  private byte[] readAll(int fd, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[chunk];
    for (; ; ) {
      long n = p.read(fd, MemorySegment.ofArray(buf));
      assertThat(n).isGreaterThanOrEqualTo(0);
      if (n == 0) {
        return out.toByteArray();
      }
      out.write(buf, 0, (int) n);
    }
  }

  private long write(int fd, byte[] b, int from, int to) {
    return p.write(fd, MemorySegment.ofArray(Arrays.copyOfRange(b, from, to)));
  }

  @Test
  void saveThroughPreCopyAndResumeAsLinuxDid() {
    int s = open("0000:00:01.0");
    int d = open("0000:00:02.0");
    assertThat(dataSize(s)).isEqualTo(60);
    MttyTestData.run(src, MttyLinuxCompatibilityTest.P1_UART);

    int[] pre = set(s, MigrationState.PRE_COPY);
    assertThat(pre[0]).isZero();
    assertThat(pre[1]).isGreaterThanOrEqualTo(0);
    assertThat(precopyInfo(pre[1])).containsExactly(0, 24, 0);
    byte[] header = readAll(pre[1], 5);
    assertThat(header).containsExactly(hexResource("linux-p1-uart-precopy.hex"));
    assertThat(precopyInfo(pre[1])).containsExactly(0, 0, 0);

    // Linux: PRE_COPY -> STOP_COPY gives data_fd -1 and the old fd carries on.
    int[] copy = set(s, MigrationState.STOP_COPY);
    assertThat(copy).containsExactly(0, -1);
    assertThat(precopyInfo(pre[1])[0]).isEqualTo(Errno.EINVAL.negative());
    byte[] rest = readAll(pre[1], 7);
    byte[] stream = new byte[60];
    System.arraycopy(header, 0, stream, 0, 24);
    System.arraycopy(rest, 0, stream, 24, rest.length);
    assertThat(rest).hasSize(36);
    assertThat(stream).containsExactly(hexResource("linux-p1-uart.hex"));
    assertThat(set(s, MigrationState.STOP)[0]).isZero();
    assertThat(p.read(pre[1], MemorySegment.ofArray(new byte[16])))
        .isEqualTo(Errno.ENODEV.negative());

    // Linux: write(stream) 60, one more byte ENOMEM, RESUMING -> STOP 0, then ENODEV.
    int[] res = set(d, MigrationState.RESUMING);
    assertThat(res[0]).isZero();
    assertThat(write(res[1], stream, 0, 60)).isEqualTo(60);
    assertThat(write(res[1], stream, 0, 1)).isEqualTo(Errno.ENOMEM.negative());
    assertThat(set(d, MigrationState.STOP)[0]).isZero();
    assertThat(write(res[1], stream, 0, 1)).isEqualTo(Errno.ENODEV.negative());
    assertThat(set(d, MigrationState.RUNNING)[0]).isZero();
    assertThat(dst.portStates()).isEqualTo(src.portStates());
  }

  @Test
  void badHeaderAndShortStreamAsLinuxAnswered() {
    int d = open("0000:00:02.0");
    byte[] bad = hexResource("linux-p1-uart.hex");
    bad[0] ^= (byte) 0xff;
    int[] res = set(d, MigrationState.RESUMING);
    assertThat(write(res[1], bad, 0, 10)).isEqualTo(10);
    assertThat(write(res[1], bad, 10, 24)).isEqualTo(Errno.EFAULT.negative());
    assertThat(write(res[1], bad, 24, 60)).isEqualTo(36);
    assertThat(write(res[1], bad, 0, 1)).isEqualTo(Errno.ENOMEM.negative());
    assertThat(set(d, MigrationState.STOP)[0]).isZero();
    assertThat(dst.image()).containsExactly(hexResource("linux-badhdr-resaved.hex"));

    byte[] fresh = hexResource("linux-p1-default.hex");
    int[] again = set(d, MigrationState.RESUMING);
    assertThat(write(again[1], fresh, 0, 59)).isEqualTo(59);
    assertThat(set(d, MigrationState.STOP)[0]).isEqualTo(Errno.EINVAL.negative());
    assertThat(write(again[1], fresh, 59, 60)).isEqualTo(1);
    assertThat(set(d, MigrationState.STOP)[0]).isZero();
    int[] copy = set(d, MigrationState.STOP_COPY);
    assertThat(readAll(copy[1], 64)).containsExactly(fresh);
  }

  @Test
  void aCraftedImageWithFifoIndicesOutsideTheFifoIsRefusedAtStop() {
    int d = open("0000:00:02.0");
    MttyTestData.run(dst, MttyLinuxCompatibilityTest.P1_UART);
    byte[] before = dst.image();
    byte[] crafted = hexResource("linux-p1-default.hex");
    crafted[24 + 24] = (byte) 0xff; // head
    crafted[24 + 25] = (byte) 0xf0; // tail
    int[] res = set(d, MigrationState.RESUMING);
    assertThat(write(res[1], crafted, 0, 60)).isEqualTo(60);
    assertThat(set(d, MigrationState.STOP)[0]).isEqualTo(Errno.EINVAL.negative());
    assertThat(getState(d)).isEqualTo(MigrationState.RESUMING);
    assertThat(dst.image()).containsExactly(before);
    // the UART still runs on its own state: "Hello" went out, "He" was read back
    assertThat(dst.readRegister(0, SerialPort.RX_TX)).isEqualTo('l');
    // a reset is the way out of RESUMING, as for any refused image
    assertThat(p.ioctl(d, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isZero();
    assertThat(getState(d)).isEqualTo(MigrationState.RUNNING);
  }

  private MigrationState getState(int dev) {
    MemorySegment s = feature(GET | 2, VfioDeviceFeatureMigState.SIZEOF);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_FEATURE, s)).isZero();
    return MigrationState.of(VfioDeviceFeatureMigState.DEVICE_STATE.get(s.asSlice(8)))
        .orElseThrow();
  }
}
