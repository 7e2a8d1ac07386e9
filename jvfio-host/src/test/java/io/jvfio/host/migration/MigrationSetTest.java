package io.jvfio.host.migration;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.kernel.FdTable;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.host.vfio.DeviceMigration;
import io.jvfio.host.vfio.MigrationFile;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** MIG_DEVICE_STATE SET: write-back, failures, no-ops, ERROR and reset, fd installation. */
class MigrationSetTest {
  private static final int EINVAL = Errno.EINVAL.negative();

  private record Dev(Host host, HostProcess p, int fd, TestMigrationModel model) {
    DeviceMigration mig() {
      return Migrations.device(host, 0).migration();
    }
  }

  private static Dev dev(TestMigrationModel model) {
    Host host = Migrations.host(model);
    HostProcess p = host.process("vmm");
    int fd = Migrations.open(p, host, 0);
    model.clearRecords();
    return new Dev(host, p, fd, model);
  }

  private static Dev dev(long flags) {
    return dev(new TestMigrationModel(flags, 100));
  }

  /** A SET argument of the raw state value, data_fd UNTOUCHED. */
  private static MemorySegment setArg(long state) {
    MemorySegment s = Migrations.featureArg(Migrations.SET | 2, 8);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(s.asSlice(8), state);
    VfioDeviceFeatureMigState.DATA_FD.set(s.asSlice(8), Migrations.UNTOUCHED);
    return s;
  }

  @Test
  void aSuccessfulSetWritesBackTheRequestedStateAndMinusOne() {
    Dev d = dev(0x7);
    Migrations.SetResult r = Migrations.setState(d.p, d.fd, STOP.value());
    assertThat(r).isEqualTo(new Migrations.SetResult(0, STOP.value(), -1));
    assertThat(d.model.arcs()).containsExactly("RUNNING->RUNNING_P2P", "RUNNING_P2P->STOP");
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP);
  }

  @Test
  void aFailedArcLeavesTheLastGoodStateAndStillWritesBackTheRequest() {
    Dev d = dev(0x7);
    d.model.failArc(STOP, STOP_COPY, Errno.EIO);
    List<Integer> fds = d.p.openFds();
    Migrations.SetResult r = Migrations.setState(d.p, d.fd, STOP_COPY.value());
    assertThat(r).isEqualTo(new Migrations.SetResult(Errno.EIO.negative(), STOP_COPY.value(), -1));
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP);
    assertThat(d.model.arcs())
        .containsExactly("RUNNING->RUNNING_P2P", "RUNNING_P2P->STOP", "STOP->STOP_COPY");
    assertThat(d.p.openFds()).isEqualTo(fds);
    assertThat(d.mig().savingFile()).isNull();

    // a failure on an interior arc, another errno
    d.model.clearFailure().failArc(STOP, RUNNING_P2P, Errno.ENOMEM);
    r = Migrations.setState(d.p, d.fd, PRE_COPY.value());
    assertThat(r)
        .isEqualTo(new Migrations.SetResult(Errno.ENOMEM.negative(), PRE_COPY.value(), -1));
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP);

    // the failing arc is not committed: a later SET starts from STOP again
    d.model.clearFailure().clearRecords();
    assertThat(Migrations.set(d.p, d.fd, STOP_COPY)).isGreaterThanOrEqualTo(3);
    assertThat(d.model.arcs()).containsExactly("STOP->STOP_COPY");
  }

  @Test
  void aFailedFirstArcOnADeviceWithoutP2pLeavesTheStartState() {
    Dev d = dev(0x1);
    d.model.failArc(RUNNING, STOP, Errno.EAGAIN);
    assertThat(Migrations.setState(d.p, d.fd, RESUMING.value()))
        .isEqualTo(new Migrations.SetResult(Errno.EAGAIN.negative(), RESUMING.value(), -1));
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
    assertThat(d.model.arcs()).containsExactly("RUNNING->STOP");
  }

  @Test
  void aSetToTheCurrentStateIsANoOp() {
    Dev d = dev(0x7);
    assertThat(Migrations.setState(d.p, d.fd, RUNNING.value()))
        .isEqualTo(new Migrations.SetResult(0, RUNNING.value(), -1));
    int data = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(data).isGreaterThanOrEqualTo(3);
    MigrationFile saving = d.mig().savingFile();
    List<Integer> fds = d.p.openFds();
    d.model.clearRecords();
    assertThat(Migrations.setState(d.p, d.fd, PRE_COPY.value()))
        .isEqualTo(new Migrations.SetResult(0, PRE_COPY.value(), -1));
    assertThat(d.p.openFds()).isEqualTo(fds);
    assertThat(d.mig().savingFile()).isSameAs(saving);
    assertThat(d.model.arcs()).isEmpty();

    // ERROR -> ERROR too
    d.model.breakNextArc();
    assertThat(Migrations.setState(d.p, d.fd, STOP.value()).ret()).isEqualTo(Errno.EIO.negative());
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(ERROR);
    d.model.clearRecords();
    assertThat(Migrations.setState(d.p, d.fd, ERROR.value()))
        .isEqualTo(new Migrations.SetResult(0, ERROR.value(), -1));
    assertThat(d.model.arcs()).isEmpty();
  }

  @Test
  void requestingErrorAnUnknownValueOrAnAbsentStateIsEinval() {
    long[][] cases = {
      {0x1, ERROR.value()},
      {0x1, 8},
      {0x1, 9},
      {0x1, 0xffffffffL},
      {0x1, 0x80000000L},
      {0x1, RUNNING_P2P.value()},
      {0x1, PRE_COPY.value()},
      {0x1, PRE_COPY_P2P.value()},
      {0x3, PRE_COPY.value()},
      {0x3, PRE_COPY_P2P.value()},
      {0x5, RUNNING_P2P.value()},
      {0x5, PRE_COPY_P2P.value()},
      {0x7, ERROR.value()},
      {0x7, 8},
      {0x7, 0xffffffffL},
    };
    for (long[] c : cases) {
      Dev d = dev(c[0]);
      Migrations.SetResult r = Migrations.setState(d.p, d.fd, c[1]);
      assertThat(r)
          .as("flags %x state %d", c[0], c[1])
          .isEqualTo(new Migrations.SetResult(EINVAL, (int) c[1], -1));
      assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
      assertThat(d.model.arcs()).isEmpty();
      // from another state too
      Migrations.set(d.p, d.fd, STOP);
      assertThat(Migrations.setState(d.p, d.fd, c[1]).ret()).isEqualTo(EINVAL);
      assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP);
    }
  }

  @Test
  void onlyResetLeavesError() {
    Dev d = dev(0x7);
    int data = Migrations.set(d.p, d.fd, STOP_COPY);
    d.model.breakNextArc();
    assertThat(Migrations.setState(d.p, d.fd, STOP.value()))
        .isEqualTo(new Migrations.SetResult(Errno.EIO.negative(), STOP.value(), -1));
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(ERROR);
    // the break retired the sessions
    assertThat(d.mig().savingFile()).isNull();
    assertThat(d.p.read(data, MemorySegment.ofArray(new byte[8])))
        .isEqualTo(Errno.ENODEV.negative());
    d.model.clearRecords();
    for (MigrationState s : MigrationState.values()) {
      if (s == ERROR) {
        continue;
      }
      assertThat(Migrations.setState(d.p, d.fd, s.value()))
          .as("ERROR -> %s", s)
          .isEqualTo(new Migrations.SetResult(EINVAL, s.value(), -1));
      assertThat(Migrations.state(d.p, d.fd)).isEqualTo(ERROR);
    }
    assertThat(d.model.arcs()).isEmpty();

    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
    assertThat(d.model.events()).contains("migrationReset");
    assertThat(Migrations.set(d.p, d.fd, STOP)).isEqualTo(-1);
  }

  @Test
  void resetEndsInRunningWithTheSessionsDisabled() {
    Dev d = dev(0x7);
    int saving = Migrations.set(d.p, d.fd, PRE_COPY);
    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
    assertThat(d.mig().savingFile()).isNull();
    assertThat(d.p.read(saving, MemorySegment.ofArray(new byte[8])))
        .isEqualTo(Errno.ENODEV.negative());

    Migrations.set(d.p, d.fd, STOP);
    int resuming = Migrations.set(d.p, d.fd, RESUMING);
    assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
    assertThat(d.mig().resumingFile()).isNull();
    assertThat(d.p.write(resuming, MemorySegment.ofArray(new byte[8])))
        .isEqualTo(Errno.ENODEV.negative());
  }

  @Test
  void sessionOpeningSetsReturnANewFd() {
    Dev d = dev(0x7);
    Object[][] cases = {
      {RUNNING, STOP_COPY, "saving"},
      {RUNNING, PRE_COPY, "saving"},
      {RUNNING, PRE_COPY_P2P, "saving"},
      {RUNNING, RESUMING, "resuming"},
      {STOP, STOP_COPY, "saving"},
      {RUNNING_P2P, PRE_COPY_P2P, "saving"},
    };
    for (Object[] c : cases) {
      assertThat(Devices.deviceReset(d.p, d.fd)).isZero();
      MigrationState from = (MigrationState) c[0];
      MigrationState to = (MigrationState) c[1];
      Migrations.set(d.p, d.fd, from);
      List<Integer> before = d.p.openFds();
      Migrations.SetResult r = Migrations.setState(d.p, d.fd, to.value());
      assertThat(r.ret()).isZero();
      assertThat(r.deviceState()).isEqualTo(to.value());
      assertThat(r.dataFd()).as("%s -> %s", from, to).isGreaterThanOrEqualTo(3);
      assertThat(before).doesNotContain(r.dataFd());
      assertThat(d.p.openFds()).contains(r.dataFd());
      MigrationFile f = (MigrationFile) d.p.file(r.dataFd());
      assertThat(f.saving()).isEqualTo(c[2].equals("saving"));
      assertThat(f).isSameAs(f.saving() ? d.mig().savingFile() : d.mig().resumingFile());
      assertThat(d.p.close(r.dataFd())).isZero();
    }
  }

  @Test
  void aFullFdTableIsEmfileWithTheDeviceAlreadyInTheNewState() {
    Dev d = dev(0x7);
    Migrations.set(d.p, d.fd, STOP);
    int last = -1;
    while (true) {
      int fd = d.p.open("/dev/null", OpenFlags.O_RDWR);
      if (fd < 0) {
        assertThat(fd).isEqualTo(Errno.EMFILE.negative());
        break;
      }
      last = fd;
    }
    assertThat(last).isEqualTo(FdTable.MAX_FDS - 1);
    MemorySegment s = setArg(STOP_COPY.value());
    assertThat(Migrations.feature(d.p, d.fd, s)).isEqualTo(Errno.EMFILE.negative());
    // nothing was written back
    assertThat(VfioDeviceFeatureMigState.DATA_FD.get(s.asSlice(8))).isEqualTo(Migrations.UNTOUCHED);
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP_COPY);
    assertThat(d.mig().savingFile()).isNotNull();
    assertThat(d.mig().savingFile().disabled()).isFalse();
    assertThat(d.p.openFds()).hasSize(FdTable.MAX_FDS);

    // the driver's session ends with the next arc as usual
    assertThat(d.p.close(last)).isZero();
    assertThat(Migrations.set(d.p, d.fd, STOP)).isEqualTo(-1);
    assertThat(d.mig().savingFile()).isNull();
    // a non-fd SET still works with a full table
    assertThat(d.p.open("/dev/null", OpenFlags.O_RDWR)).isEqualTo(last);
    assertThat(Migrations.set(d.p, d.fd, RUNNING)).isEqualTo(-1);
  }

  @Test
  void aReadOnlyArgumentIsEfaultAfterTheTransition() {
    Dev d = dev(0x7);
    // GET: the copy-out faults
    MemorySegment get = Migrations.featureArg(Migrations.GET | 2, 8);
    assertThat(Migrations.feature(d.p, d.fd, get.asReadOnly())).isEqualTo(Errno.EFAULT.negative());
    // a failing SET: the write-back faults, EFAULT replaces EINVAL
    assertThat(Migrations.feature(d.p, d.fd, setArg(ERROR.value()).asReadOnly()))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING);
    // a failing arc: EFAULT replaces the arc's errno, the state is the last good one
    d.model.failArc(RUNNING_P2P, STOP, Errno.EIO);
    assertThat(Migrations.feature(d.p, d.fd, setArg(STOP.value()).asReadOnly()))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(RUNNING_P2P);
    d.model.clearFailure();
    // a SET without a new fd: the device moved anyway
    assertThat(Migrations.feature(d.p, d.fd, setArg(STOP.value()).asReadOnly()))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP);
    // a SET that opens a session: EFAULT, no fd installed, the session is the driver's
    List<Integer> fds = d.p.openFds();
    MemorySegment s = setArg(STOP_COPY.value());
    assertThat(Migrations.feature(d.p, d.fd, s.asReadOnly())).isEqualTo(Errno.EFAULT.negative());
    assertThat(VfioDeviceFeatureMigState.DATA_FD.get(s.asSlice(8))).isEqualTo(Migrations.UNTOUCHED);
    assertThat(d.p.openFds()).isEqualTo(fds);
    assertThat(Migrations.state(d.p, d.fd)).isEqualTo(STOP_COPY);
    MigrationFile f = d.mig().savingFile();
    assertThat(f).isNotNull();
    assertThat(f.refs()).isEqualTo(1);
    assertThat(Migrations.set(d.p, d.fd, STOP)).isEqualTo(-1);
    assertThat(f.disabled()).isTrue();
    assertThat(f.released()).isTrue();
  }

  @Test
  void concurrentSetsNeverLeaveATornState() throws Exception {
    // image size 0: RESUMING -> STOP always succeeds, so every state stays reachable
    TestMigrationModel model = new TestMigrationModel(0x7, 0);
    Dev d = dev(model);
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    int threads = 4;
    int perThread = 500;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = 1234 + t;
      Thread w =
          Thread.ofPlatform()
              .start(() -> {
                Random rnd = new Random(seed);
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perThread; i++) {
                  int pick = rnd.nextInt(20);
                  if (pick == 0) {
                    if (Devices.deviceReset(d.p, d.fd) != 0) {
                      problems.add("reset failed");
                    }
                    continue;
                  }
                  long want = pick == 1 ? 8 : rnd.nextInt(8);
                  Migrations.SetResult r = Migrations.setState(d.p, d.fd, want);
                  if (r.ret() != 0 && r.ret() != EINVAL) {
                    problems.add("SET " + want + " returned " + r.ret());
                  }
                  if (r.deviceState() != (int) want) {
                    problems.add("SET " + want + " wrote back " + r.deviceState());
                  }
                  if (r.ret() != 0 || r.dataFd() < 0) {
                    if (r.dataFd() != -1) {
                      problems.add("SET " + want + " wrote data_fd " + r.dataFd());
                    }
                  } else if (d.p.close(r.dataFd()) != 0) {
                    problems.add("data fd " + r.dataFd() + " not open");
                  }
                  if (want == 8 && r.ret() == 0) {
                    problems.add("SET 8 succeeded");
                  }
                }
              });
      workers.add(w);
    }
    go.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(problems).isEmpty();

    MigrationState state = Migrations.state(d.p, d.fd);
    DeviceMigration m = d.mig();
    assertThat(m.state()).isEqualTo(state);
    assertThat(m.savingFile() != null)
        .as("saving file in %s", state)
        .isEqualTo(state.inSavingGroup());
    assertThat(m.resumingFile() != null)
        .as("resuming file in %s", state)
        .isEqualTo(state == RESUMING);
    if (m.savingFile() != null) {
      assertThat(m.savingFile().disabled()).isFalse();
    }
    // the arcs form one chain, restarting at RUNNING at every reset
    MigrationState cur = RUNNING;
    int arcs = 0;
    for (String e : model.events()) {
      if (e.equals("migrationReset")) {
        cur = RUNNING;
      } else if (e.contains("->")) {
        String[] ft = e.split("->");
        assertThat(ft[0]).as("arc %d: %s", arcs, e).isEqualTo(cur.name());
        cur = MigrationState.valueOf(ft[1]);
        arcs++;
      }
    }
    assertThat(cur).isEqualTo(state);
    assertThat(arcs).isGreaterThan(500);
    // only the device fd, its iommufd and 0..2 are left
    assertThat(d.p.openFds()).hasSize(5);
  }
}
