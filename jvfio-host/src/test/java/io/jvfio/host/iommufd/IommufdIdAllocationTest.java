package io.jvfio.host.iommufd;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** iommufd object ids: from 1, lowest free first, one space per context shared by all types. */
class IommufdIdAllocationTest {
  private Host host;
  private HostProcess p;
  private int fd;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    fd = openIommufdOk(p);
  }

  @Test
  void idsStartAtOneAndAscend() {
    assertThat(fd).isEqualTo(3);
    assertThat(ids(p, fd)).isEmpty();
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(ioasAlloc(p, fd)).isEqualTo(3);
    assertThat(objects(p, fd)).containsExactly("ioas 1", "ioas 2", "ioas 3");
  }

  @Test
  void lowestFreeIdIsReusedAfterDestroy() {
    for (int i = 1; i <= 5; i++) {
      assertThat(ioasAlloc(p, fd)).isEqualTo(i);
    }
    assertThat(destroy(p, fd, 4)).isZero();
    assertThat(destroy(p, fd, 2)).isZero();
    assertThat(ids(p, fd)).containsExactly(1, 3, 5);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(ioasAlloc(p, fd)).isEqualTo(4);
    assertThat(ioasAlloc(p, fd)).isEqualTo(6);
  }

  @Test
  void highestIdIsReusedAfterDestroyAndEmptyTableRestartsAtOne() {
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(destroy(p, fd, 2)).isZero();
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(destroy(p, fd, 2)).isZero();
    assertThat(destroy(p, fd, 1)).isZero();
    assertThat(ids(p, fd)).isEmpty();
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
  }

  @Test
  void destroyedIdIsGoneForGood() {
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
    assertThat(destroy(p, fd, 1)).isZero();
    assertThat(destroy(p, fd, 1)).isEqualTo(Errno.ENOENT.negative());
    assertThat(unmap(p, fd, 1, 0, ULONG_MAX).ret()).isEqualTo(Errno.ENOENT.negative());
  }

  @Test
  void contextsHaveIndependentIdSpaces() {
    int fd2 = openIommufdOk(p);
    HostProcess other = host.process("other");
    int fd3 = openIommufdOk(other);
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(ioasAlloc(p, fd2)).isEqualTo(1);
    assertThat(ioasAlloc(other, fd3)).isEqualTo(1);
    assertThat(destroy(p, fd2, 2)).isEqualTo(Errno.ENOENT.negative());
    assertThat(destroy(p, fd2, 1)).isZero();
    assertThat(ids(p, fd)).containsExactly(1, 2);
    assertThat(ids(p, fd2)).isEmpty();
    assertThat(ids(other, fd3)).containsExactly(1);
  }

  @Test
  void dupSharesTheContext() {
    int dup = p.dup(fd);
    assertThat(ioasAlloc(p, dup)).isEqualTo(1);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(p.file(dup)).isSameAs(p.file(fd));
  }

  @Test
  void devicesIoasAndHwptShareOneIdSpace() {
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    assertThat(bind(p, dev, fd)).isEqualTo(1);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
    assertThat(attach(p, dev, 2)).isEqualTo(3);
    assertThat(ioasAlloc(p, fd)).isEqualTo(4);
    assertThat(objects(p, fd)).containsExactly("device 1", "ioas 2", "hwpt_paging 3", "ioas 4");
    // a second device interleaves into the same space
    int dev2 = openOk(p, cdev(host, DefaultHost.ROOT_BUS_DEVICE));
    assertThat(bind(p, dev2, fd)).isEqualTo(5);
    assertThat(detach(p, dev)).isZero();
    assertThat(ioasAlloc(p, fd)).isEqualTo(3);
    assertThat(objects(p, fd))
        .containsExactly("device 1", "ioas 2", "ioas 3", "ioas 4", "device 5");
    assertThat(p.close(dev)).isZero();
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
    assertThat(objects(p, fd)).containsExactly("ioas 1", "ioas 2", "ioas 3", "ioas 4", "device 5");
  }

  @Test
  void failedCallsAllocateNoId() {
    assertThat(ioasAlloc(p, fd)).isEqualTo(1);
    var s = buf(IommuIoasAlloc.SIZEOF);
    IommuIoasAlloc.SIZE.set(s, 12);
    IommuIoasAlloc.FLAGS.set(s, 1);
    assertThat(p.ioctl(fd, IommufdIoctls.IOMMU_IOAS_ALLOC, s))
        .isEqualTo(Errno.EOPNOTSUPP.negative());
    assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(s)).isZero();
    assertThat(ids(p, fd)).containsExactly(1);
    assertThat(ioasAlloc(p, fd)).isEqualTo(2);
  }

  /** Random alloc/destroy sequences against a model: the answer is always the lowest free id. */
  @Test
  void randomAllocDestroyMatchesLowestFreeModel() {
    for (long seed = 1; seed <= 20; seed++) {
      Random rnd = new Random(seed);
      int f = openIommufdOk(p);
      TreeSet<Integer> live = new TreeSet<>();
      for (int step = 0; step < 200; step++) {
        if (live.isEmpty() || rnd.nextInt(3) != 0) {
          int expected = 1;
          while (live.contains(expected)) {
            expected++;
          }
          assertThat(ioasAlloc(p, f)).as("seed %d step %d", seed, step).isEqualTo(expected);
          live.add(expected);
        } else if (rnd.nextInt(5) == 0) {
          // an id that is not live: ENOENT, nothing changes
          int missing = live.last() + 1 + rnd.nextInt(3);
          assertThat(destroy(p, f, missing)).isEqualTo(Errno.ENOENT.negative());
        } else {
          List<Integer> l = new ArrayList<>(live);
          int victim = l.get(rnd.nextInt(l.size()));
          assertThat(destroy(p, f, victim)).isZero();
          live.remove(victim);
        }
        assertThat(ids(p, f)).as("seed %d step %d", seed, step).containsExactlyElementsOf(live);
      }
      assertThat(p.close(f)).isZero();
    }
  }
}
