package io.jvfio.host.kernel;

import static io.jvfio.host.testkit.Groups.statusArg;
import static io.jvfio.host.testkit.Kit.cstr;
import static io.jvfio.host.testkit.Kit.intArg;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fd table and open-file lifetimes of an emulated process. */
class FileDescriptorTest {
  private static final int RDWR = OpenFlags.O_RDWR;
  private static final String GROUP = "/dev/vfio/1";
  private static final String DEVICE = DefaultHost.ROOT_BUS_DEVICE;

  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
  }

  private void fillTo1024(HostProcess proc) {
    while (proc.openFds().size() < FdTable.MAX_FDS) {
      assertThat(proc.open("/dev/null", RDWR)).isGreaterThanOrEqualTo(0);
    }
    assertThat(proc.openFds()).hasSize(1024);
  }

  // ---- numbering ----

  @Test
  void aNewProcessHasNullOnZeroToTwoAndOpensAtThree() {
    assertThat(p.openFds()).containsExactly(0, 1, 2);
    for (int fd = 0; fd < 3; fd++) {
      assertThat(p.describe(fd)).isEqualTo("/dev/null");
    }
    assertThat(p.open("/dev/vfio/vfio", RDWR)).isEqualTo(3);
    assertThat(p.open("/dev/iommu", RDWR)).isEqualTo(4);
    assertThat(p.open(GROUP, RDWR)).isEqualTo(5);
    assertThat(p.describe(3)).isEqualTo("/dev/vfio/vfio");
    assertThat(p.describe(4)).isEqualTo("/dev/iommu");
    assertThat(p.describe(5)).isEqualTo(GROUP);
    assertThat(p.describe(6)).isNull();
    assertThat(p.file(6)).isNull();
  }

  @Test
  void theLowestFreeNumberIsAlwaysTaken() {
    for (int i = 0; i < 5; i++) {
      assertThat(p.open("/dev/null", RDWR)).isEqualTo(3 + i);
    }
    assertThat(p.close(5)).isZero();
    assertThat(p.close(4)).isZero();
    assertThat(p.close(1)).isZero();
    assertThat(p.open("/dev/iommu", RDWR)).isEqualTo(1);
    assertThat(p.dup(3)).isEqualTo(4);
    assertThat(p.open("/dev/null", RDWR)).isEqualTo(5);
    assertThat(p.open("/dev/null", RDWR)).isEqualTo(8);
  }

  @Test
  void randomOpenCloseDupSequencesFollowLowestFree() {
    for (long seed = 1; seed <= 25; seed++) {
      Host h = new Host(DefaultHost.topology());
      HostProcess q = h.process("random");
      TreeSet<Integer> open = new TreeSet<>(List.of(0, 1, 2));
      Random rnd = new Random(seed);
      for (int step = 0; step < 300; step++) {
        int lowestFree = 0;
        while (open.contains(lowestFree)) {
          lowestFree++;
        }
        int op = rnd.nextInt(3);
        int fd = rnd.nextInt(40) - 2;
        int got;
        int want;
        if (op == 0) {
          got = q.open(rnd.nextBoolean() ? "/dev/null" : "/dev/vfio/vfio", RDWR);
          want = lowestFree;
          open.add(lowestFree);
        } else if (op == 1) {
          got = q.close(fd);
          want = open.remove(fd) ? 0 : Errno.EBADF.negative();
        } else {
          got = q.dup(fd);
          want = open.contains(fd) ? lowestFree : Errno.EBADF.negative();
          if (want >= 0) {
            open.add(lowestFree);
          }
        }
        assertThat(got).as("seed %d step %d op %d fd %d", seed, step, op, fd).isEqualTo(want);
        assertThat(q.openFds()).containsExactlyElementsOf(open);
      }
      q.close();
    }
  }

  // ---- sharing ----

  @Test
  void dupSharesTheOpenFile() {
    int g = p.open(GROUP, RDWR);
    int d = p.dup(g);
    assertThat(d).isEqualTo(4);
    assertThat(p.file(d)).isSameAs(p.file(g));
    assertThat(p.file(g).refs()).isEqualTo(2);
    assertThat(p.close(g)).isZero();
    assertThat(p.ioctl(d, VfioIoctls.VFIO_GROUP_GET_STATUS, statusArg())).isZero();
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, statusArg()))
        .isEqualTo(Errno.EBADF.negative());
    // state set through one fd is seen through the other
    int c = p.open("/dev/vfio/vfio", RDWR);
    int d2 = p.dup(d);
    assertThat(p.ioctl(d, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(c))).isZero();
    assertThat(p.ioctl(d2, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(c)))
        .isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void dupOfABadFdIsEbadf() {
    assertThat(p.dup(-1)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.dup(3)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.dup(5000)).isEqualTo(Errno.EBADF.negative());
  }

  @Test
  void passFdGivesTheTargetItsLowestFreeFdForTheSameFile() {
    int g = p.open(GROUP, RDWR); // 3
    HostProcess q = host.process("helper");
    assertThat(q.open("/dev/null", RDWR)).isEqualTo(3);
    assertThat(q.open("/dev/null", RDWR)).isEqualTo(4);
    assertThat(q.close(3)).isZero();
    int qg = p.passFd(g, q);
    assertThat(qg).isEqualTo(3);
    assertThat(q.file(qg)).isSameAs(p.file(g));
    assertThat(q.describe(qg)).isEqualTo(GROUP);
    assertThat(q.ioctl(qg, VfioIoctls.VFIO_GROUP_GET_STATUS, statusArg())).isZero();
    // the sender's copy is independent
    assertThat(p.close(g)).isZero();
    MemorySegment s = statusArg();
    assertThat(q.ioctl(qg, VfioIoctls.VFIO_GROUP_GET_STATUS, s)).isZero();
    assertThat(VfioGroupStatus.FLAGS.get(s)).isEqualTo(VfioConstants.VFIO_GROUP_FLAGS_VIABLE);
    // the group is still open (through q), so nobody can open it again
    assertThat(p.open(GROUP, RDWR)).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void anFdNumberMeansNothingInAnotherProcess() {
    for (int i = 0; i < 3; i++) {
      p.open("/dev/null", RDWR);
    }
    int g = p.open(GROUP, RDWR);
    assertThat(g).isEqualTo(6);
    HostProcess q = host.process("helper");
    int qg = p.passFd(g, q);
    assertThat(qg).isEqualTo(3);
    assertThat(q.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, statusArg()))
        .isEqualTo(Errno.EBADF.negative());
    assertThat(q.close(g)).isEqualTo(Errno.EBADF.negative());
    // and fd 3 of the sender is /dev/null, not the group
    assertThat(p.ioctl(qg, VfioIoctls.VFIO_GROUP_GET_STATUS, statusArg()))
        .isEqualTo(Errno.ENOTTY.negative());
  }

  @Test
  void passFdOfABadFdIsEbadfAndInstallsNothing() {
    HostProcess q = host.process("helper");
    assertThat(p.passFd(42, q)).isEqualTo(Errno.EBADF.negative());
    assertThat(q.openFds()).containsExactly(0, 1, 2);
  }

  @Test
  void aFileLivesUntilItsLastFdCloses() {
    int g = p.open(GROUP, RDWR);
    int d = p.dup(g);
    assertThat(p.close(g)).isZero();
    assertThat(p.open(GROUP, RDWR)).isEqualTo(Errno.EBUSY.negative());
    HostProcess q = host.process("helper");
    int qg = p.passFd(d, q);
    assertThat(p.close(d)).isZero();
    assertThat(q.open(GROUP, RDWR)).isEqualTo(Errno.EBUSY.negative());
    assertThat(q.close(qg)).isZero();
    assertThat(p.open(GROUP, RDWR)).isEqualTo(3);
  }

  @Test
  void closingTheContainerFdOfASharedFileKeepsItsState() {
    int c = p.open("/dev/vfio/vfio", RDWR);
    int g = p.open(GROUP, RDWR);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(c))).isZero();
    int c2 = p.dup(c);
    assertThat(p.close(c)).isZero();
    assertThat(p.ioctl(c2, VfioIoctls.VFIO_SET_IOMMU, (long) VfioConstants.VFIO_TYPE1v2_IOMMU))
        .isZero();
  }

  // ---- limits and errors ----

  @Test
  void theTableHoldsAtMost1024Fds() {
    fillTo1024(p);
    assertThat(p.openFds().getLast()).isEqualTo(1023);
    assertThat(p.open("/dev/null", RDWR)).isEqualTo(Errno.EMFILE.negative());
    assertThat(p.open("/dev/vfio/vfio", RDWR)).isEqualTo(Errno.EMFILE.negative());
    assertThat(p.dup(3)).isEqualTo(Errno.EMFILE.negative());
    HostProcess q = host.process("sender");
    int qn = q.open("/dev/iommu", RDWR);
    assertThat(q.passFd(qn, p)).isEqualTo(Errno.EMFILE.negative());
    assertThat(p.close(700)).isZero();
    assertThat(p.open("/dev/null", RDWR)).isEqualTo(700);
    assertThat(p.open("/dev/null", RDWR)).isEqualTo(Errno.EMFILE.negative());
  }

  @Test
  void anOpenRefusedWithEmfileLeavesTheGroupFree() {
    fillTo1024(p);
    // the fd is reserved before the file is opened: EMFILE, and the group stays closed
    assertThat(p.open(GROUP, RDWR)).isEqualTo(Errno.EMFILE.negative());
    assertThat(host.vfio().group(1).isOpen()).isFalse();
    // EMFILE wins over what opening the node would say
    HostProcess q = host.process("holder");
    assertThat(q.open(GROUP, RDWR)).isEqualTo(3);
    assertThat(p.open(GROUP, RDWR)).isEqualTo(Errno.EMFILE.negative());
    assertThat(p.open("/dev/nonexistent", RDWR)).isEqualTo(Errno.EMFILE.negative());
  }

  @Test
  void getDeviceFdWithAFullTableIsEmfileAndLeavesTheDeviceClosed() {
    int g = p.open(GROUP, RDWR);
    int c = p.open("/dev/vfio/vfio", RDWR);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(c))).isZero();
    assertThat(p.ioctl(c, VfioIoctls.VFIO_SET_IOMMU, (long) VfioConstants.VFIO_TYPE1v2_IOMMU))
        .isZero();
    fillTo1024(p);
    VfioDevice d = host.device(DEVICE).orElseThrow();
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, cstr(DEVICE)))
        .isEqualTo(Errno.EMFILE.negative());
    assertThat(d.openCount()).isZero();
    // the name is looked up before the fd is reserved
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, cstr("0000:00:09.0")))
        .isEqualTo(Errno.ENODEV.negative());
    // and the fd is reserved before the group's container is checked
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_UNSET_CONTAINER, 0L)).isZero();
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, cstr(DEVICE)))
        .isEqualTo(Errno.EMFILE.negative());
  }

  @Test
  void closingAClosedOrInvalidFdIsEbadf() {
    int fd = p.open("/dev/null", RDWR);
    assertThat(p.close(fd)).isZero();
    assertThat(p.close(fd)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.close(-1)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.close(1024)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.close(Integer.MAX_VALUE)).isEqualTo(Errno.EBADF.negative());
    MemorySegment buf = Arena.ofAuto().allocate(8);
    assertThat(p.read(fd, buf)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.write(fd, buf)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.ioctl(fd, VfioIoctls.VFIO_GET_API_VERSION, 0L)).isEqualTo(Errno.EBADF.negative());
  }

  @Test
  void devNullReadsNothingAndSwallowsWrites() {
    MemorySegment buf = Arena.ofAuto().allocate(32);
    assertThat(p.read(0, buf)).isZero();
    assertThat(p.write(1, buf)).isEqualTo(32);
    assertThat(p.ioctl(2, VfioIoctls.VFIO_GET_API_VERSION, 0L)).isEqualTo(Errno.ENOTTY.negative());
  }

  @Test
  void unknownNodesAreEnoent() {
    assertThat(p.open("/dev/vfio/99", RDWR)).isEqualTo(Errno.ENOENT.negative());
    assertThat(p.open("/dev/vfio/devices/vfio99", RDWR)).isEqualTo(Errno.ENOENT.negative());
    assertThat(p.open("", RDWR)).isEqualTo(Errno.ENOENT.negative());
    assertThat(p.openFds()).containsExactly(0, 1, 2);
  }

  @Test
  void groupAndCdevNodesAreFoundOnlyUnderTheirKernelNames() {
    // the nodes are resolved from the number in the path: only the spelling the kernel gives a
    // node opens it, and every node deviceNodes() lists opens
    List<String> nodes = host.deviceNodes();
    assertThat(nodes).contains(GROUP, "/dev/vfio/devices/vfio0");
    for (String node : nodes) {
      int fd = p.open(node, RDWR);
      assertThat(fd).as(node).isNotNegative();
      assertThat(p.close(fd)).isZero();
    }
    int devices = host.vfio().deviceCount();
    for (String wrong :
        List.of(
            "/dev/vfio/01",
            "/dev/vfio/+1",
            "/dev/vfio/1 ",
            "/dev/vfio/",
            "/dev/vfio/-1",
            "/dev/vfio/99999999999",
            "/dev/vfio/devices/vfio00",
            "/dev/vfio/devices/vfio",
            "/dev/vfio/devices/vfio-0",
            "/dev/vfio/devices/vfio" + devices,
            "/dev/vfio/devices/1",
            "/dev/vfio//1",
            "/dev/vfio/vfio0")) {
      assertThat(nodes).doesNotContain(wrong);
      assertThat(p.open(wrong, RDWR)).as(wrong).isEqualTo(Errno.ENOENT.negative());
    }
    assertThat(p.openFds()).containsExactly(0, 1, 2);
  }

  // ---- exit ----

  @Test
  void processExitReleasesEverything() {
    int g = p.open(GROUP, RDWR);
    int c = p.open("/dev/vfio/vfio", RDWR);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(c))).isZero();
    assertThat(p.ioctl(c, VfioIoctls.VFIO_SET_IOMMU, (long) VfioConstants.VFIO_TYPE1v2_IOMMU))
        .isZero();
    int dev = p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, cstr(DEVICE));
    assertThat(dev).isEqualTo(5);
    int cdev = p.open("/dev/vfio/devices/vfio1", RDWR);
    int iommufd = p.open("/dev/iommu", RDWR);
    MemorySegment bind = Arena.ofAuto().allocate(24);
    bind.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 24);
    bind.set(ValueLayout.JAVA_INT_UNALIGNED, 8, iommufd);
    assertThat(p.ioctl(cdev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bind)).isZero();
    List<OpenFile> files = new ArrayList<>();
    for (int fd : p.openFds()) {
      files.add(p.file(fd));
    }
    VfioDevice d = host.device(DEVICE).orElseThrow();
    VfioDevice slot = host.device(DefaultHost.SLOT_DEVICE).orElseThrow();
    assertThat(d.openCount()).isEqualTo(1);
    assertThat(slot.cdevOpened()).isTrue();

    p.close();
    assertThat(files).allMatch(OpenFile::released);
    assertThat(d.openCount()).isZero();
    assertThat(slot.openCount()).isZero();
    assertThat(slot.cdevOpened()).isFalse();
    assertThat(d.iommuGroup().claimed()).isFalse();
    assertThat(slot.iommuGroup().claimed()).isFalse();
    assertThat(host.processes()).doesNotContain(p);
    // everything can be opened again by someone else
    HostProcess q = host.process("next");
    assertThat(q.open(GROUP, RDWR)).isEqualTo(3);
    assertThat(q.open("/dev/vfio/3", RDWR)).isEqualTo(4);
    // closing twice is harmless; an exited process has no fd table to open into
    p.close();
    assertThat(p.open("/dev/null", RDWR)).isEqualTo(Errno.ESRCH.negative());
  }

  @Test
  void processExitWithSharedFilesOnlyDropsItsOwnReferences() {
    int g = p.open(GROUP, RDWR);
    HostProcess q = host.process("helper");
    int qg = p.passFd(g, q);
    p.close();
    assertThat(q.ioctl(qg, VfioIoctls.VFIO_GROUP_GET_STATUS, statusArg())).isZero();
    HostProcess r = host.process("third");
    assertThat(r.open(GROUP, RDWR)).isEqualTo(Errno.EBUSY.negative());
    q.close();
    assertThat(r.open(GROUP, RDWR)).isEqualTo(3);
  }
}
