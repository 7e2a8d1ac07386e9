package io.jvfio.host.cdev;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** cdev and iommufd fds handed to another process (SCM_RIGHTS) keep working there. */
class CdevFdPassingTest {
  private Host host;
  private HostProcess broker;
  private HostProcess vmm;
  private VfioDevice d;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    broker = host.process("broker");
    vmm = host.process("vmm");
    d = device(host, DefaultHost.SLOT_DEVICE);
  }

  private int getInfo(HostProcess p, int fd) {
    MemorySegment s = deviceInfo();
    int ret = p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s);
    return ret < 0 ? ret : VfioDeviceInfo.NUM_REGIONS.get(s);
  }

  @Test
  void anUnboundCdevPassedOnIsBoundByTheReceiver() {
    int theirs = openOk(broker, d.cdevPath());
    int mine = broker.passFd(theirs, vmm);
    assertThat(mine).isEqualTo(3);
    assertThat(vmm.describe(mine)).isEqualTo(d.cdevPath());
    int ictx = openIommufdOk(vmm);
    assertThat(bind(vmm, mine, ictx)).isEqualTo(1);
    assertThat(getInfo(vmm, mine)).isEqualTo(9);
    int ioas = ioasAllocOk(vmm, ictx);
    assertThat(attach(vmm, mine, ioas)).isEqualTo(3);
    // the same open file: the broker's fd is bound as well
    assertThat(getInfo(broker, theirs)).isEqualTo(9);
    assertThat(broker.close(theirs)).isZero();
    assertCdevBound(d);
    assertThat(getInfo(vmm, mine)).isEqualTo(9);
    assertThat(vmm.close(mine)).isZero();
    assertThat(objects(vmm, ictx)).containsExactly("ioas 2");
    assertUnbound(host, d);
  }

  @Test
  void aBoundCdevPassedOnKeepsItsBindingAndTheSenderMayExit() {
    int ictx = openIommufdOk(broker);
    IommufdContext ctx = ctx(broker, ictx);
    int dev = openOk(broker, d.cdevPath());
    assertThat(bind(broker, dev, ictx)).isEqualTo(1);
    int mine = broker.passFd(dev, vmm);
    broker.close();
    assertThat(ctx.released()).isFalse();
    assertCdevBound(d);
    assertThat(getInfo(vmm, mine)).isEqualTo(9);
    assertThat(vmm.ioctl(mine, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isZero();
    // BIND again on the passed fd: still one bind per open file
    int own = openIommufdOk(vmm);
    assertThat(bind(vmm, mine, own)).isEqualTo(Errno.EINVAL.negative());
    // the IOAS ids live in the sender's context, which the receiver cannot name
    assertThat(attach(vmm, mine, 2)).isEqualTo(Errno.ENOENT.negative());
    assertThat(ioasAllocOk(vmm, own)).isEqualTo(1);
    assertThat(attach(vmm, mine, 1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(vmm.close(mine)).isZero();
    assertThat(ctx.released()).isTrue();
    assertUnbound(host, d);
  }

  @Test
  void aPassedIommufdIsTheSameContext() {
    int ictx = openIommufdOk(broker);
    assertThat(ioasAllocOk(broker, ictx)).isEqualTo(1);
    int mine = broker.passFd(ictx, vmm);
    assertThat(ctx(vmm, mine)).isSameAs(ctx(broker, ictx));
    int dev = openOk(vmm, d.cdevPath());
    assertThat(bind(vmm, dev, mine)).isEqualTo(2);
    assertThat(attach(vmm, dev, 1)).isEqualTo(3);
    assertThat(objects(broker, ictx)).containsExactly("ioas 1", "device 2", "hwpt_paging 3");
    assertThat(destroy(broker, ictx, 2)).isEqualTo(Errno.EBUSY.negative());
    assertThat(destroy(broker, ictx, 1)).isEqualTo(Errno.EBUSY.negative());
    // the broker's fd number means nothing in the vmm
    assertThat(broker.close(ictx)).isZero();
    assertThat(vmm.close(mine)).isZero();
    assertThat(ctx(vmm, mine)).isNull();
    assertThat(attach(vmm, dev, 1)).isEqualTo(3);
  }

  @Test
  void passingAClosedFdIsEbadf() {
    assertThat(broker.passFd(42, vmm)).isEqualTo(Errno.EBADF.negative());
    assertThat(vmm.openFds()).containsExactly(0, 1, 2);
  }
}
