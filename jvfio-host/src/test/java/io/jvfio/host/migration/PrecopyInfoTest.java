package io.jvfio.host.migration;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** VFIO_MIG_GET_PRECOPY_INFO on a saving fd, and the v2 opt-in (FEATURE 12). */
class PrecopyInfoTest {
  private static final int SIZE = 100;
  private static final int EINVAL = Errno.EINVAL.negative();
  private static final int ENOTTY = Errno.ENOTTY.negative();
  private static final int ENODEV = Errno.ENODEV.negative();

  private record Dev(Host host, HostProcess p, int fd, TestMigrationModel model) {}

  private static Dev dev(TestMigrationModel model) {
    Host host = Migrations.host(model);
    HostProcess p = host.process("vmm");
    return new Dev(host, p, Migrations.open(p, host, 0), model);
  }

  private static Dev dev(long flags) {
    return dev(new TestMigrationModel(flags, SIZE).dirtyBytes(4096));
  }

  private static MemorySegment info(int argsz, int flags, int bufSize) {
    MemorySegment s = MemorySegment.ofArray(new byte[bufSize]);
    s.fill((byte) 0xaa);
    VfioPrecopyInfo.ARGSZ.set(s, argsz);
    VfioPrecopyInfo.FLAGS.set(s, flags);
    return s;
  }

  private static int ioctl(Dev d, int fd, MemorySegment s) {
    return d.p.ioctl(fd, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, s);
  }

  @Test
  void anyOtherIoctlIsEnotty() {
    Dev d = dev(0x7);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    for (long cmd :
        new long[] {
          VfioIoctls.VFIO_DEVICE_FEATURE,
          VfioIoctls.VFIO_DEVICE_RESET,
          VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO + 1,
          VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO - 1,
          0
        }) {
      assertThat(d.p.ioctl(pre, cmd, info(24, 0, 24))).as("cmd %x", cmd).isEqualTo(ENOTTY);
    }
    // a wrong cmd beats a bad argument and a disabled file
    assertThat(d.p.ioctl(pre, VfioIoctls.VFIO_DEVICE_FEATURE, 0L)).isEqualTo(ENOTTY);
    Migrations.set(d.p, d.fd, RUNNING);
    assertThat(d.p.ioctl(pre, VfioIoctls.VFIO_DEVICE_FEATURE, info(24, 0, 24))).isEqualTo(ENOTTY);
    // a resuming fd has no ioctl at all
    Migrations.set(d.p, d.fd, STOP);
    int resuming = Migrations.set(d.p, d.fd, RESUMING);
    assertThat(ioctl(d, resuming, info(24, 0, 24))).isEqualTo(ENOTTY);
    assertThat(d.p.ioctl(resuming, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, 0L)).isEqualTo(ENOTTY);
  }

  @Test
  void theStructIsCopiedInBeforeArgszIsChecked() {
    Dev d = dev(0x5);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(ioctl(d, pre, info(16, 0, 16))).isEqualTo(Errno.EFAULT.negative());
    assertThat(d.p.ioctl(pre, VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, 0L))
        .isEqualTo(Errno.EFAULT.negative());
    for (int argsz : new int[] {0, 8, 16, 23}) {
      MemorySegment s = info(argsz, 0, 24);
      assertThat(ioctl(d, pre, s)).as("argsz %d", argsz).isEqualTo(EINVAL);
      assertThat(VfioPrecopyInfo.INITIAL_BYTES.get(s)).isEqualTo(0xaaaaaaaaaaaaaaaaL);
    }
  }

  @Test
  void onlyADeviceInPreCopyAnswers() {
    Dev d = dev(0x7);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, pre, 0).ret()).isZero();
    Migrations.set(d.p, d.fd, PRE_COPY_P2P);
    assertThat(Migrations.precopyInfo(d.p, pre, 0).ret()).isZero();
    // the same fd in STOP_COPY
    Migrations.set(d.p, d.fd, STOP_COPY);
    MemorySegment s = info(24, 7, 24);
    assertThat(ioctl(d, pre, s)).isEqualTo(EINVAL);
    assertThat(VfioPrecopyInfo.FLAGS.get(s)).isEqualTo(7);
    assertThat(VfioPrecopyInfo.INITIAL_BYTES.get(s)).isEqualTo(0xaaaaaaaaaaaaaaaaL);
    // a session that started in STOP_COPY
    Migrations.set(d.p, d.fd, STOP);
    int saving = Migrations.set(d.p, d.fd, STOP_COPY);
    assertThat(Migrations.precopyInfo(d.p, saving, 0).ret()).isEqualTo(EINVAL);
  }

  @Test
  void aDisabledFdIsEnodevOnlyOnceTheStateIsRight() {
    Dev d = dev(0x7);
    int old = Migrations.set(d.p, d.fd, PRE_COPY);
    Migrations.set(d.p, d.fd, RUNNING);
    // RUNNING: the state check comes first
    assertThat(Migrations.precopyInfo(d.p, old, 0).ret()).isEqualTo(EINVAL);
    // PRE_COPY again, with a new session: the old fd is ENODEV
    int fresh = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, old, 0).ret()).isEqualTo(ENODEV);
    assertThat(Migrations.precopyInfo(d.p, fresh, 0).ret()).isZero();
    // argsz still comes before both
    assertThat(ioctl(d, old, info(23, 0, 24))).isEqualTo(EINVAL);
    assertThat(d.p.ioctl(old, VfioIoctls.VFIO_DEVICE_RESET, info(24, 0, 24))).isEqualTo(ENOTTY);
  }

  @Test
  void initialAndDirtyBytesFollowTheCursor() {
    Dev d = dev(0x7);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, pre, 0))
        .isEqualTo(new Migrations.PrecopyInfo(0, 0, SIZE, 4096));
    assertThat(Migrations.read(d.p, pre, 30)).hasSize(30);
    assertThat(Migrations.precopyInfo(d.p, pre, 0))
        .isEqualTo(new Migrations.PrecopyInfo(0, 0, 70, 4096));
    Migrations.set(d.p, d.fd, PRE_COPY_P2P);
    assertThat(Migrations.read(d.p, pre, 100)).hasSize(70);
    assertThat(Migrations.precopyInfo(d.p, pre, 0))
        .isEqualTo(new Migrations.PrecopyInfo(0, 0, 0, 4096));
  }

  @Test
  void withoutTheOptInFlagsAreEchoed() {
    Dev d = dev(new TestMigrationModel(0x5, SIZE).reinit(true));
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, pre, 0x1234))
        .isEqualTo(new Migrations.PrecopyInfo(0, 0x1234, SIZE, 0));
    assertThat(Migrations.precopyInfo(d.p, pre, 0).flags()).isZero();
    assertThat(Migrations.precopyInfo(d.p, pre, -1).flags()).isEqualTo(-1);
  }

  @Test
  void withTheOptInFlagsAreZeroOrReinit() {
    Dev plain = dev(0x7);
    int pre = Migrations.set(plain.p, plain.fd, PRE_COPY);
    assertThat(Migrations.precopyV2(plain.p, plain.fd)).isZero();
    assertThat(Migrations.precopyInfo(plain.p, pre, 0x1234))
        .isEqualTo(new Migrations.PrecopyInfo(0, 0, SIZE, 4096));
    assertThat(Migrations.precopyInfo(plain.p, pre, VfioConstants.VFIO_PRECOPY_INFO_REINIT).flags())
        .isZero();

    Dev reinit = dev(new TestMigrationModel(0x5, SIZE).reinit(true));
    assertThat(Migrations.precopyV2(reinit.p, reinit.fd)).isZero();
    pre = Migrations.set(reinit.p, reinit.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(reinit.p, pre, 0x1234))
        .isEqualTo(new Migrations.PrecopyInfo(0, VfioConstants.VFIO_PRECOPY_INFO_REINIT, SIZE, 0));
    // a failing call with the opt-in leaves the caller's flags alone (nothing is copied out)
    Migrations.set(reinit.p, reinit.fd, STOP_COPY);
    assertThat(Migrations.precopyInfo(reinit.p, pre, 0x1234))
        .isEqualTo(new Migrations.PrecopyInfo(EINVAL, 0x1234, 0, 0));
  }

  @Test
  void exactly24BytesAreWrittenAndArgszIsNotTouched() {
    Dev d = dev(0x5);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    MemorySegment s = info(32, 0x55, 32);
    assertThat(ioctl(d, pre, s)).isZero();
    assertThat(VfioPrecopyInfo.ARGSZ.get(s)).isEqualTo(32);
    assertThat(VfioPrecopyInfo.FLAGS.get(s)).isEqualTo(0x55);
    assertThat(VfioPrecopyInfo.INITIAL_BYTES.get(s)).isEqualTo(SIZE);
    assertThat(VfioPrecopyInfo.DIRTY_BYTES.get(s)).isEqualTo(4096);
    assertThat(s.asSlice(24).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0xaa);
    // a huge argsz is fine as long as 24 bytes are there
    MemorySegment big = info(1 << 20, 0, 24);
    assertThat(ioctl(d, pre, big)).isZero();
    assertThat(VfioPrecopyInfo.ARGSZ.get(big)).isEqualTo(1 << 20);
    // read-only memory: the copy-out faults
    assertThat(ioctl(d, pre, info(24, 0, 24).asReadOnly())).isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void theOptInLastsUntilTheLastCloseOfTheDevice() {
    Dev d = dev(0x7);
    assertThat(Migrations.precopyV2(d.p, d.fd)).isZero();
    // sessions and resets do not forget it
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, pre, 0x1234).flags()).isZero();
    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, pre, 0x1234).flags()).isZero();
    // the last close does
    assertThat(d.p.close(d.fd)).isZero();
    int fd = Migrations.open(d.p, d.host, 0);
    pre = Migrations.set(d.p, fd, PRE_COPY);
    assertThat(Migrations.precopyInfo(d.p, pre, 0x1234).flags()).isEqualTo(0x1234);
    assertThat(Migrations.device(d.host, 0).migration().precopyInfoV2()).isFalse();
  }
}
