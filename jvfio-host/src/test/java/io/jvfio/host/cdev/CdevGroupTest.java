package io.jvfio.host.cdev;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioIoctls;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two functions of one IOMMU group (0000:03:00.0 and .1, group 8): DMA ownership per iommufd
 * context, group-wide blocking of the legacy node, and the order things are undone on close.
 */
class CdevGroupTest {
  private Host host;
  private HostProcess p;
  private VfioDevice a;
  private VfioDevice b;
  private int fdA;
  private int fdB;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
    a = device(host, DefaultHost.GROUP_PAIR_A);
    b = device(host, DefaultHost.GROUP_PAIR_B);
    assertThat(a.group()).isSameAs(b.group());
    assertThat(a.group().path()).isEqualTo("/dev/vfio/8");
    fdA = openOk(p, a.cdevPath());
    fdB = openOk(p, b.cdevPath());
  }

  @Test
  void bothFunctionsBindToTheSameContext() {
    int ictx = openIommufdOk(p);
    assertThat(bind(p, fdA, ictx)).isEqualTo(1);
    assertThat(bind(p, fdB, ictx)).isEqualTo(2);
    assertCdevBound(a);
    assertCdevBound(b);
    assertThat(a.iommuGroup().owner()).isSameAs(ctx(p, ictx));
    assertThat(p.open("/dev/vfio/8", OpenFlags.O_RDWR)).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void aSecondContextIsEperm() {
    int one = openIommufdOk(p);
    int two = openIommufdOk(p);
    assertThat(bind(p, fdA, one)).isEqualTo(1);
    var s = bindArgs(24, 0, two);
    byte[] before = bytes(s);
    assertThat(p.ioctl(fdB, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, s))
        .isEqualTo(Errno.EPERM.negative());
    assertThat(bytes(s)).isEqualTo(before);
    assertThat(ids(p, two)).isEmpty();
    assertThat(b.openCount()).isZero();
    assertThat(b.cdevOpened()).isFalse();
    assertThat(b.iommufdBinding()).isNull();
    assertThat(b.resets()).isZero();
    assertCdevBound(a);
    // also from another process's context
    HostProcess q = host.process("other");
    int theirs = openIommufdOk(q);
    int passed = p.passFd(fdB, q);
    assertThat(bind(q, passed, theirs)).isEqualTo(Errno.EPERM.negative());
    assertThat(ids(q, theirs)).isEmpty();
    // the failures left the group blocked only by the bound function
    assertThat(p.close(fdA)).isZero();
    assertUnbound(host, a);
    assertUnbound(host, b);
    // now the other context may take the group
    assertThat(bind(p, fdB, two)).isEqualTo(1);
    assertThat(bind(p, openOk(p, a.cdevPath()), one)).isEqualTo(Errno.EPERM.negative());
  }

  @Test
  void anOpenGroupNodeBlocksBindOfEveryMember() {
    HostProcess legacy = host.process("legacy");
    int g = openOk(legacy, "/dev/vfio/8");
    int ictx = openIommufdOk(p);
    assertThat(bind(p, fdA, ictx)).isEqualTo(Errno.EBUSY.negative());
    assertThat(bind(p, fdB, ictx)).isEqualTo(Errno.EBUSY.negative());
    assertThat(ids(p, ictx)).isEmpty();
    assertThat(legacy.close(g)).isZero();
    assertThat(bind(p, fdB, ictx)).isEqualTo(1);
    // the bound member blocks the group node for everybody
    assertThat(legacy.open("/dev/vfio/8", OpenFlags.O_RDWR)).isEqualTo(Errno.EBUSY.negative());
    assertThat(a.group().isOpen()).isFalse();
  }

  @Test
  void theGroupNodeOpensAgainOnlyWhenEveryBoundMemberIsClosed() {
    int ictx = openIommufdOk(p);
    bindOk(p, fdA, ictx);
    bindOk(p, fdB, ictx);
    int ioas = ioasAllocOk(p, ictx);
    assertThat(attach(p, fdA, ioas)).isEqualTo(4);
    assertThat(attach(p, fdB, ioas)).isEqualTo(4);
    assertThat(p.close(fdA)).isZero();
    assertThat(objects(p, ictx)).containsExactly("device 2", "ioas 3", "hwpt_paging 4");
    assertThat(probeGroupOpen(host, a)).isEqualTo(Errno.EBUSY.negative());
    assertThat(a.iommuGroup().claimed()).isTrue();
    assertThat(p.close(fdB)).isZero();
    assertThat(objects(p, ictx)).containsExactly("ioas 3");
    assertThat(a.iommuGroup().claimed()).isFalse();
    int g = openOk(p, "/dev/vfio/8");
    assertThat(p.describe(g)).isEqualTo("/dev/vfio/8");
    // and while it is open the cdevs cannot bind
    int again = openOk(p, a.cdevPath());
    assertThat(bind(p, again, ictx)).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void membersOfOneGroupShareTheHwptOfAnIoas() {
    int ictx = openIommufdOk(p);
    bindOk(p, fdA, ictx);
    bindOk(p, fdB, ictx);
    int ioas = ioasAllocOk(p, ictx);
    assertThat(attach(p, fdA, ioas)).isEqualTo(4);
    assertThat(attach(p, fdB, ioas)).isEqualTo(4);
    assertThat(a.iommufdBinding().hwpt()).isSameAs(b.iommufdBinding().hwpt());
    assertThat(detach(p, fdA)).isZero();
    assertThat(objects(p, ictx)).containsExactly("device 1", "device 2", "ioas 3", "hwpt_paging 4");
    assertThat(detach(p, fdB)).isZero();
    assertThat(objects(p, ictx)).containsExactly("device 1", "device 2", "ioas 3");
  }

  @Test
  void aPlainAttachOfTheSecondMemberToAnotherHwptIsEinval() {
    int ictx = openIommufdOk(p);
    bindOk(p, fdA, ictx);
    bindOk(p, fdB, ictx);
    int ioasA = ioasAllocOk(p, ictx);
    int ioasB = ioasAllocOk(p, ictx);
    assertThat(attach(p, fdA, ioasA)).isEqualTo(5);
    assertThat(attach(p, fdB, ioasB)).isEqualTo(Errno.EINVAL.negative());
    assertThat(attach(p, fdB, 5)).isEqualTo(5);
    assertThat(objects(p, ictx))
        .containsExactly("device 1", "device 2", "ioas 3", "ioas 4", "hwpt_paging 5");
    assertThat(b.iommufdBinding().hwpt().id()).isEqualTo(5);
  }

  @Test
  void replacingOneMemberMovesTheWholeGroup() {
    int ictx = openIommufdOk(p);
    bindOk(p, fdA, ictx);
    bindOk(p, fdB, ictx);
    int ioasA = ioasAllocOk(p, ictx);
    int ioasB = ioasAllocOk(p, ictx);
    assertThat(attach(p, fdA, ioasA)).isEqualTo(5);
    assertThat(attach(p, fdB, ioasA)).isEqualTo(5);
    // the IOMMU group has one domain: replace switches it for both functions
    assertThat(attach(p, fdA, ioasB)).isEqualTo(6);
    assertThat(a.iommufdBinding().hwpt().id()).isEqualTo(6);
    assertThat(b.iommufdBinding().hwpt().id()).isEqualTo(6);
    assertThat(objects(p, ictx))
        .containsExactly("device 1", "device 2", "ioas 3", "ioas 4", "hwpt_paging 6");
    assertThat(iovaRanges(p, ictx, ioasA, 4).ranges()).hasSize(1);
    assertThat(iovaRanges(p, ictx, ioasB, 4).ranges()).hasSize(2);
    assertThat(destroy(p, ictx, ioasA)).isZero();
    assertThat(detach(p, fdA)).isZero();
    assertThat(detach(p, fdB)).isZero();
    assertThat(objects(p, ictx)).containsExactly("device 1", "device 2", "ioas 4");
    Ranges r = iovaRanges(p, ictx, ioasB, 4);
    assertThat(r.ranges()).hasSize(1);
    assertThat(r.alignment()).isEqualTo(1);
  }
}
