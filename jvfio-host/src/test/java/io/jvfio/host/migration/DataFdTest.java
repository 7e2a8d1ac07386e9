package io.jvfio.host.migration;

import static io.jvfio.host.testkit.Kit.buf;
import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.host.vfio.DeviceMigration;
import io.jvfio.host.vfio.MigrationFile;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The migration data fd: file properties, stream semantics, lifetime, saving and resuming. */
class DataFdTest {
  private static final int SIZE = 100;
  private static final int ENODEV = Errno.ENODEV.negative();
  private static final int ESPIPE = Errno.ESPIPE.negative();
  private static final int EBADF = Errno.EBADF.negative();
  private static final int ALL_POLL = 0xffff;

  private record Dev(Host host, HostProcess p, int fd, TestMigrationModel model) {
    DeviceMigration mig() {
      return Migrations.device(host, 0).migration();
    }
  }

  private static Dev dev(TestMigrationModel model) {
    Host host = Migrations.host(model);
    HostProcess p = host.process("vmm");
    return new Dev(host, p, Migrations.open(p, host, 0), model);
  }

  private static Dev dev(long flags) {
    return dev(new TestMigrationModel(flags, SIZE));
  }

  private static int stopCopy(Dev d) {
    Migrations.set(d.p, d.fd, STOP);
    return Migrations.set(d.p, d.fd, STOP_COPY);
  }

  private static int resuming(Dev d) {
    Migrations.set(d.p, d.fd, STOP);
    return Migrations.set(d.p, d.fd, RESUMING);
  }

  @Test
  void dataFdsAreCloseOnExecAndOpenedForTheirDirection() {
    Dev d = dev(0x7);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(d.p.fcntl(pre, PollBits.F_GETFD, 0)).isEqualTo(PollBits.FD_CLOEXEC);
    assertThat(d.p.fcntl(pre, PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_RDONLY);
    assertThat(d.p.describe(pre)).startsWith("anon_inode:");
    Migrations.set(d.p, d.fd, RUNNING);
    int saving = stopCopy(d);
    assertThat(d.p.fcntl(saving, PollBits.F_GETFD, 0)).isEqualTo(PollBits.FD_CLOEXEC);
    assertThat(d.p.fcntl(saving, PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_RDONLY);
    Migrations.set(d.p, d.fd, STOP);
    int resuming = Migrations.set(d.p, d.fd, RESUMING);
    assertThat(d.p.fcntl(resuming, PollBits.F_GETFD, 0)).isEqualTo(PollBits.FD_CLOEXEC);
    assertThat(d.p.fcntl(resuming, PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_WRONLY);
    // a dup does not inherit FD_CLOEXEC (it belongs to the fd)
    int dup = d.p.dup(resuming);
    assertThat(d.p.fcntl(dup, PollBits.F_GETFD, 0)).isZero();
  }

  @Test
  void oNonBlockIsTheOneStatusFlagFSetflChanges() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    assertThat(d.p.fcntl(saving, PollBits.F_SETFL, OpenFlags.O_NONBLOCK | OpenFlags.O_WRONLY))
        .isZero();
    assertThat(d.p.fcntl(saving, PollBits.F_GETFL, 0))
        .as("the access mode stays")
        .isEqualTo(OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
    int dup = d.p.dup(saving);
    assertThat(d.p.fcntl(dup, PollBits.F_GETFL, 0))
        .as("a status flag belongs to the open file, which a dup shares")
        .isEqualTo(OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
    assertThat(d.p.fcntl(saving, PollBits.F_SETFL, 0)).isZero();
    assertThat(d.p.fcntl(dup, PollBits.F_GETFL, 0)).isEqualTo(OpenFlags.O_RDONLY);
  }

  @Test
  void dataFdsAreStreams() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    for (int whence : new int[] {PollBits.SEEK_SET, PollBits.SEEK_CUR, PollBits.SEEK_END}) {
      assertThat(d.p.lseek(saving, 0, whence)).isEqualTo(ESPIPE);
    }
    assertThat(d.p.pread(saving, buf(8), 0)).isEqualTo(ESPIPE);
    assertThat(d.p.pread(saving, buf(8), 16)).isEqualTo(ESPIPE);
    // nothing was consumed
    assertThat(Migrations.readAll(d.p, saving, 64)).isEqualTo(d.model.image());

    Dev r = dev(0x7);
    int resuming = resuming(r);
    assertThat(r.p.lseek(resuming, 0, PollBits.SEEK_SET)).isEqualTo(ESPIPE);
    assertThat(r.p.lseek(resuming, 5, PollBits.SEEK_CUR)).isEqualTo(ESPIPE);
    assertThat(r.p.pwrite(resuming, buf(8), 0)).isEqualTo(ESPIPE);
  }

  @Test
  void theWrongDirectionIsEbadf() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    assertThat(d.p.write(saving, buf(8))).isEqualTo(EBADF);
    Dev r = dev(0x7);
    int resuming = resuming(r);
    assertThat(r.p.read(resuming, buf(8))).isEqualTo(EBADF);
    // still usable the right way
    assertThat(Migrations.readAll(d.p, saving, 33)).isEqualTo(d.model.image());
    assertThat(Migrations.write(r.p, resuming, r.model.image(), 0, SIZE)).isEqualTo(SIZE);
  }

  @Test
  void aStopCopySessionStreamsTheWholeImageThenZero() {
    Dev d = dev(0x1);
    int saving = stopCopy(d);
    assertThat(d.p.poll(saving, ALL_POLL)).isEqualTo(PollBits.POLLIN | PollBits.POLLRDNORM);
    assertThat(Migrations.readAll(d.p, saving, 7)).isEqualTo(d.model.image());
    assertThat(d.p.read(saving, buf(16))).isZero();
    assertThat(d.p.read(saving, buf(16))).isZero();
    // at the permanent end poll still says readable (a read returns the end)
    assertThat(d.p.poll(saving, ALL_POLL) & PollBits.POLLIN).isNotZero();
    // a read-only buffer cannot be filled
    Dev e = dev(0x1);
    int s2 = stopCopy(e);
    assertThat(e.p.read(s2, buf(8).asReadOnly())).isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void leavingTheSavingGroupDisablesTheFd() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    assertThat(Migrations.read(d.p, saving, 10)).hasSize(10);
    Migrations.set(d.p, d.fd, STOP);
    assertThat(d.p.read(saving, buf(8))).isEqualTo(ENODEV);
    assertThat(d.p.poll(saving, ALL_POLL))
        .isEqualTo(PollBits.POLLIN | PollBits.POLLRDNORM | PollBits.POLLRDHUP);
    assertThat(d.model.events()).contains("saving closed");

    Migrations.set(d.p, d.fd, RUNNING);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    Migrations.set(d.p, d.fd, RUNNING);
    assertThat(d.p.read(pre, buf(8))).isEqualTo(ENODEV);
    assertThat(d.p.poll(pre, PollBits.POLLRDHUP)).isEqualTo(PollBits.POLLRDHUP);

    Migrations.set(d.p, d.fd, RUNNING_P2P);
    int prep2p = Migrations.set(d.p, d.fd, PRE_COPY_P2P);
    Migrations.set(d.p, d.fd, RUNNING_P2P);
    assertThat(d.p.read(prep2p, buf(8))).isEqualTo(ENODEV);

    // a new session gets a new file; the old ones stay disabled
    int again = stopCopy(d);
    assertThat(again).isNotIn(saving, pre, prep2p);
    assertThat(d.p.read(saving, buf(8))).isEqualTo(ENODEV);
    assertThat(Migrations.readAll(d.p, again, 64)).isEqualTo(d.model.image());
  }

  @Test
  void resumingToStopDisablesTheResumingFd() {
    Dev d = dev(0x7);
    int resuming = resuming(d);
    // no driver has a poll op for resuming files: the VFS default mask, POLLIN included
    assertThat(d.p.poll(resuming, ALL_POLL)).isEqualTo(PollBits.DEFAULT_POLLMASK);
    assertThat(Migrations.write(d.p, resuming, d.model.image(), 0, SIZE)).isEqualTo(SIZE);
    assertThat(Migrations.set(d.p, d.fd, STOP)).isEqualTo(-1);
    assertThat(d.p.write(resuming, buf(1))).isEqualTo(ENODEV);
    assertThat(d.mig().resumingFile()).isNull();
    assertThat(d.model.events()).contains("resuming closed");
  }

  @Test
  void resetDisablesBothKindsOfFd() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    assertThat(d.p.read(saving, buf(8))).isEqualTo(ENODEV);
    assertThat(d.p.poll(saving, ALL_POLL) & PollBits.POLLRDHUP).isNotZero();
    int resuming = resuming(d);
    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    assertThat(d.p.write(resuming, buf(8))).isEqualTo(ENODEV);
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
  }

  @Test
  void closingTheDeviceDisablesItsFds() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    assertThat(d.p.close(d.fd)).isZero();
    assertThat(d.p.read(saving, buf(8))).isEqualTo(ENODEV);
    assertThat(d.p.poll(saving, ALL_POLL) & PollBits.POLLRDHUP).isNotZero();
    assertThat(d.mig().savingFile()).isNull();

    int fd = Migrations.open(d.p, d.host, 0);
    assertThat(Migrations.state(d.p, fd)).isEqualTo(RUNNING);
    Migrations.set(d.p, fd, STOP);
    int resuming = Migrations.set(d.p, fd, RESUMING);
    assertThat(d.p.close(fd)).isZero();
    assertThat(d.p.write(resuming, buf(8))).isEqualTo(ENODEV);
    assertThat(d.mig().resumingFile()).isNull();
  }

  @Test
  void aDeviceThatKeepsItsStateStillEndsItsSessionsAtClose() {
    Dev d = dev(new TestMigrationModel(0x7, SIZE).keepsState(true));
    int pre = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(d.p.close(d.fd)).isZero();
    assertThat(d.p.read(pre, buf(8))).isEqualTo(ENODEV);
    int fd = Migrations.open(d.p, d.host, 0);
    assertThat(Migrations.state(d.p, fd)).isEqualTo(PRE_COPY);
    assertThat(d.mig().savingFile()).isNull();
    assertThat(d.p.read(pre, buf(8))).isEqualTo(ENODEV);
  }

  @Test
  void closingTheDataFdDoesNotChangeTheDevice() {
    Dev d = dev(0x7);
    int saving = stopCopy(d);
    MigrationFile f = d.mig().savingFile();
    assertThat(d.p.close(saving)).isZero();
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP_COPY);
    assertThat(d.mig().savingFile()).isSameAs(f);
    assertThat(f.disabled()).isFalse();
    assertThat(f.released()).isFalse();
    assertThat(d.model.events()).doesNotContain("saving closed");
    Migrations.set(d.p, d.fd, STOP);
    assertThat(f.released()).isTrue();

    int resuming = Migrations.set(d.p, d.fd, RESUMING);
    assertThat(Migrations.write(d.p, resuming, d.model.image(), 0, 40)).isEqualTo(40);
    assertThat(d.p.close(resuming)).isZero();
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RESUMING);
    assertThat(d.mig().resumingFile()).isNotNull();
    assertThat(d.model.events()).doesNotContain("resuming closed");
  }

  @Test
  void preCopyToStopCopyKeepsTheFdStreaming() {
    for (long flags : new long[] {0x5, 0x7}) {
      Dev d = dev(flags);
      int pre = Migrations.set(d.p, d.fd, PRE_COPY);
      byte[] head = Migrations.read(d.p, pre, 30);
      assertThat(head).hasSize(30);
      MigrationFile f = d.mig().savingFile();
      List<Integer> fds = d.p.openFds();
      d.model.clearRecords();
      Migrations.SetResult r = Migrations.setState(d.p, d.fd, STOP_COPY.value());
      assertThat(r).isEqualTo(new Migrations.SetResult(0, STOP_COPY.value(), -1));
      assertThat(d.model.arcs())
          .isEqualTo(
              flags == 0x5
                  ? List.of("PRE_COPY->STOP_COPY")
                  : List.of("PRE_COPY->PRE_COPY_P2P", "PRE_COPY_P2P->STOP_COPY"));
      assertThat(d.p.openFds()).isEqualTo(fds);
      assertThat(d.mig().savingFile()).isSameAs(f);
      byte[] rest = Migrations.readAll(d.p, pre, 16);
      byte[] all = Arrays.copyOf(head, head.length + rest.length);
      System.arraycopy(rest, 0, all, head.length, rest.length);
      assertThat(all).as("flags %x", flags).isEqualTo(d.model.image());
    }
  }

  @Test
  void preCopyP2pToStopCopyKeepsTheFdToo() {
    Dev d = dev(0x7);
    Migrations.set(d.p, d.fd, RUNNING_P2P);
    int pre = Migrations.set(d.p, d.fd, PRE_COPY_P2P);
    assertThat(Migrations.set(d.p, d.fd, PRE_COPY)).isEqualTo(-1);
    assertThat(Migrations.set(d.p, d.fd, PRE_COPY_P2P)).isEqualTo(-1);
    assertThat(Migrations.set(d.p, d.fd, STOP_COPY)).isEqualTo(-1);
    assertThat(Migrations.readAll(d.p, pre, 64)).isEqualTo(d.model.image());
  }

  @Test
  void stopCopyToPreCopyIsEinvalWithTheSessionUnchanged() {
    for (long flags : new long[] {0x5, 0x7}) {
      Dev d = dev(flags);
      int saving = stopCopy(d);
      byte[] head = Migrations.read(d.p, saving, 10);
      MigrationFile f = d.mig().savingFile();
      d.model.clearRecords();
      assertThat(Migrations.setState(d.p, d.fd, PRE_COPY.value()))
          .isEqualTo(new Migrations.SetResult(Errno.EINVAL.negative(), PRE_COPY.value(), -1));
      if (flags == 0x7) {
        assertThat(Migrations.setState(d.p, d.fd, PRE_COPY_P2P.value()))
            .isEqualTo(new Migrations.SetResult(Errno.EINVAL.negative(), PRE_COPY_P2P.value(), -1));
      }
      assertThat(d.model.arcs()).isEmpty();
      assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP_COPY);
      assertThat(d.mig().savingFile()).isSameAs(f);
      assertThat(f.disabled()).isFalse();
      byte[] rest = Migrations.readAll(d.p, saving, 64);
      assertThat(head.length + rest.length).isEqualTo(SIZE);
      assertThat(rest).isEqualTo(Arrays.copyOfRange(d.model.image(), 10, SIZE));
    }
  }

  @Test
  void aTemporaryEndIsZeroOrEnomsgAsTheModelSays() {
    Dev zero = dev(new TestMigrationModel(0x5, SIZE));
    int pre = Migrations.set(zero.p, zero.fd, PRE_COPY);
    assertThat(Migrations.readAll(zero.p, pre, 64)).isEqualTo(zero.model.image());
    assertThat(zero.p.read(pre, buf(8))).isZero();
    Migrations.set(zero.p, zero.fd, STOP_COPY);
    assertThat(zero.p.read(pre, buf(8))).isZero();

    Dev enomsg = dev(new TestMigrationModel(0x7, SIZE).enomsgAtTemporaryEnd(true));
    pre = Migrations.set(enomsg.p, enomsg.fd, PRE_COPY);
    assertThat(Migrations.read(enomsg.p, pre, SIZE)).isEqualTo(enomsg.model.image());
    assertThat(enomsg.p.read(pre, buf(8))).isEqualTo(Errno.ENOMSG.negative());
    Migrations.set(enomsg.p, enomsg.fd, PRE_COPY_P2P);
    assertThat(enomsg.p.read(pre, buf(8))).isEqualTo(Errno.ENOMSG.negative());
    // STOP_COPY: the permanent end is 0, never ENOMSG
    Migrations.set(enomsg.p, enomsg.fd, STOP_COPY);
    assertThat(enomsg.p.read(pre, buf(8))).isZero();
  }

  @Test
  void resumeRoundTripRefusesAShortStreamAtResumingToStop() {
    TestMigrationModel src = new TestMigrationModel(0x7, SIZE);
    TestMigrationModel dst = new TestMigrationModel(0x3, SIZE);
    Host host = Migrations.host(src, dst);
    HostProcess p = host.process("vmm");
    int a = Migrations.open(p, host, 0);
    int b = Migrations.open(p, host, 1);
    Migrations.set(p, a, STOP);
    int saving = Migrations.set(p, a, STOP_COPY);
    byte[] image = Migrations.readAll(p, saving, 13);
    assertThat(image).hasSize(SIZE);

    Migrations.set(p, b, STOP);
    int resuming = Migrations.set(p, b, RESUMING);
    assertThat(Migrations.write(p, resuming, image, 0, 60)).isEqualTo(60);
    // too little: refused, the device stays RESUMING and the fd keeps working
    assertThat(Migrations.setState(p, b, STOP.value()))
        .isEqualTo(new Migrations.SetResult(Errno.EINVAL.negative(), STOP.value(), -1));
    assertThat(Migrations.state(p, b)).isEqualTo(RESUMING);
    assertThat(Migrations.setState(p, b, RUNNING.value()).ret()).isEqualTo(Errno.EINVAL.negative());
    assertThat(Migrations.state(p, b)).isEqualTo(RESUMING);
    // past the image: ENOMEM, nothing consumed
    assertThat(Migrations.write(p, resuming, new byte[41], 0, 41))
        .isEqualTo(Errno.ENOMEM.negative());
    assertThat(Migrations.write(p, resuming, image, 60, 90)).isEqualTo(30);
    assertThat(Migrations.write(p, resuming, image, 90, SIZE)).isEqualTo(10);
    assertThat(Migrations.write(p, resuming, image, 0, 1)).isEqualTo(Errno.ENOMEM.negative());
    assertThat(Migrations.set(p, b, RUNNING)).isEqualTo(-1);
    assertThat(dst.resumed()).isEqualTo(image);
    assertThat(dst.arcs()).endsWith("RESUMING->STOP", "STOP->RUNNING_P2P", "RUNNING_P2P->RUNNING");
    assertThat(p.write(resuming, buf(1))).isEqualTo(ENODEV);
  }

  @Test
  void aCorruptStreamIsRefusedAtResumingToStop() {
    TestMigrationModel dst = new TestMigrationModel(0x1, SIZE);
    Dev d = dev(dst);
    int resuming = resuming(d);
    byte[] wrong = TestMigrationModel.image(SIZE, 0x12);
    assertThat(Migrations.write(d.p, resuming, wrong, 0, SIZE)).isEqualTo(SIZE);
    assertThat(Migrations.setState(d.p, d.fd, STOP.value()).ret())
        .isEqualTo(Errno.EINVAL.negative());
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RESUMING);
    assertThat(dst.resumed()).isNull();
    // only a reset leaves a RESUMING that cannot complete
    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
    assertThat(d.p.write(resuming, buf(1))).isEqualTo(ENODEV);
  }
}
