package io.jvfio.host.iommufd;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** When an iommufd context goes away: with its last file reference, bound devices included. */
class IommufdLifetimeTest {
  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    p = host.process("vmm");
  }

  @Test
  void closingTheOnlyFdReleasesTheContext() {
    int fd = openIommufdOk(p);
    IommufdContext ctx = ctx(p, fd);
    ioasAllocOk(p, fd);
    assertThat(p.close(fd)).isZero();
    assertThat(ctx.released()).isTrue();
    assertThat(ctx.objects()).isEmpty();
    assertThat(p.close(fd)).isEqualTo(Errno.EBADF.negative());
    assertThat(ioasAlloc(p, fd)).isEqualTo(Errno.EBADF.negative());
  }

  @Test
  void aDupKeepsTheContext() {
    int fd = openIommufdOk(p);
    IommufdContext ctx = ctx(p, fd);
    int dup = p.dup(fd);
    ioasAllocOk(p, fd);
    assertThat(p.close(fd)).isZero();
    assertThat(ctx.released()).isFalse();
    assertThat(ioasAlloc(p, dup)).isEqualTo(2);
  }

  @Test
  void aBoundDeviceKeepsTheContextAliveAfterTheFdIsClosed() {
    int fd = openIommufdOk(p);
    IommufdContext ctx = ctx(p, fd);
    int dev = openOk(p, cdev(host, DefaultHost.SLOT_DEVICE));
    assertThat(bind(p, dev, fd)).isEqualTo(1);
    int ioas = ioasAllocOk(p, fd);
    long va = p.memory().map(0x4000).address();
    assertThat(mapFixed(p, fd, ioas, 0x10000, va, 0x4000)).isZero();
    assertThat(p.close(fd)).isZero();

    assertThat(ctx.released()).isFalse();
    assertThat(objects(ctx)).containsExactly("device 1", "ioas 2");
    // the device still works against the context the process can no longer name
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    assertThat(objects(ctx)).containsExactly("device 1", "ioas 2", "hwpt_paging 3");
    assertThat(detach(p, dev)).isZero();
    assertThat(attach(p, dev, ioas)).isEqualTo(3);
    // a new fd number can be the same number again without touching the old context
    int fd2 = openIommufdOk(p);
    assertThat(fd2).isEqualTo(fd);
    assertThat(ctx(p, fd2)).isNotSameAs(ctx);
    assertThat(ids(p, fd2)).isEmpty();

    // closing the device drops the last reference: everything goes
    VfioDevice d = device(host, DefaultHost.SLOT_DEVICE);
    assertThat(p.close(dev)).isZero();
    assertThat(ctx.released()).isTrue();
    assertThat(ctx.objects()).isEmpty();
    assertThat(d.openCount()).isZero();
    assertThat(d.cdevOpened()).isFalse();
    assertThat(d.iommuGroup().claimed()).isFalse();
  }

  @Test
  void theContextLivesUntilTheLastOfSeveralBoundDevicesIsClosed() {
    int fd = openIommufdOk(p);
    IommufdContext ctx = ctx(p, fd);
    int a = openOk(p, cdev(host, DefaultHost.GROUP_PAIR_A));
    int b = openOk(p, cdev(host, DefaultHost.GROUP_PAIR_B));
    assertThat(bind(p, a, fd)).isEqualTo(1);
    assertThat(bind(p, b, fd)).isEqualTo(2);
    assertThat(p.close(fd)).isZero();
    assertThat(p.close(a)).isZero();
    assertThat(ctx.released()).isFalse();
    assertThat(objects(ctx)).containsExactly("device 2");
    assertThat(p.close(b)).isZero();
    assertThat(ctx.released()).isTrue();
  }

  @Test
  void processExitReleasesEverything() {
    int fd = openIommufdOk(p);
    IommufdContext ctx = ctx(p, fd);
    int dev = openOk(p, cdev(host, DefaultHost.ROOT_BUS_DEVICE));
    bindOk(p, dev, fd);
    attach(p, dev, ioasAllocOk(p, fd));
    p.close();
    assertThat(ctx.released()).isTrue();
    VfioDevice d = device(host, DefaultHost.ROOT_BUS_DEVICE);
    assertThat(d.openCount()).isZero();
    assertThat(d.cdevOpened()).isFalse();
    HostProcess q = host.process("next");
    int g = q.open(d.group().path(), OpenFlags.O_RDWR);
    assertThat(g).isGreaterThanOrEqualTo(0);
  }
}
