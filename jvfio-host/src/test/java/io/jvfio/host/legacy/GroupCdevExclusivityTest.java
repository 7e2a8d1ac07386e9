package io.jvfio.host.legacy;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The group path versus the device cdev (spec 3.8 and 5). */
class GroupCdevExclusivityTest {
  private Host host;
  private HostProcess vmm;
  private HostProcess other;

  @BeforeEach
  void setUp() {
    host = defaultHost();
    vmm = host.process("vmm");
    other = host.process("other");
  }

  /** Opens and binds the cdev of {@code bdf} to a fresh iommufd; returns the device fd. */
  private int bindCdev(HostProcess p, String bdf) {
    int dev = p.open(cdev(host, bdf), RDWR);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    assertThat(bindRaw(p, dev, openIommufd(p))).isZero();
    return dev;
  }

  @Test
  void anOpenGroupBlocksBindOfAnyMemberButNotCdevOpen() {
    int g = openGroup(vmm, PAIR_GROUP);
    for (String bdf : new String[] {PAIR_A, PAIR_B}) {
      int dev = other.open(cdev(host, bdf), RDWR);
      assertThat(dev).as(bdf).isGreaterThanOrEqualTo(0);
      int i = openIommufd(other);
      assertThat(bindRaw(other, dev, i)).as(bdf).isEqualTo(Errno.EBUSY.negative());
      // the same process that has the group open is refused too
      int own = vmm.open(cdev(host, bdf), RDWR);
      assertThat(bindRaw(vmm, own, openIommufd(vmm))).isEqualTo(Errno.EBUSY.negative());
    }
    // other groups are unaffected
    assertThat(bindCdev(other, ROOT)).isGreaterThanOrEqualTo(0);
    assertThat(vmm.close(g)).isZero();
    assertThat(bindCdev(other, PAIR_A)).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aBoundCdevBlocksTheGroupUntilItsFdCloses() {
    int dev = bindCdev(other, PAIR_B);
    assertThat(openGroup(vmm, PAIR_GROUP)).isEqualTo(Errno.EBUSY.negative());
    assertThat(openGroup(other, PAIR_GROUP)).isEqualTo(Errno.EBUSY.negative());
    assertThat(openGroup(vmm, ROOT_GROUP)).isGreaterThanOrEqualTo(0);
    assertThat(other.close(dev)).isZero();
    assertThat(openGroup(vmm, PAIR_GROUP)).isGreaterThanOrEqualTo(0);
  }

  @Test
  void anOpenButUnboundCdevDoesNotBlockTheGroup() {
    int dev = other.open(cdev(host, ROOT), RDWR);
    assertThat(dev).isEqualTo(3);
    int g = openGroup(vmm, ROOT_GROUP);
    assertThat(g).isEqualTo(3);
    assertThat(bindRaw(other, dev, openIommufd(other))).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void aFailedBindDoesNotLeaveTheGroupBlocked() {
    int dev = other.open(cdev(host, ROOT), RDWR);
    // not an iommufd: EBADFD after the group was blocked, which must be undone
    assertThat(bindRaw(other, dev, 0)).isEqualTo(Errno.EBADFD.negative());
    assertThat(bindRaw(other, dev, 99)).isEqualTo(Errno.EBADF.negative());
    int g = openGroup(vmm, ROOT_GROUP);
    assertThat(g).isGreaterThanOrEqualTo(0);
  }

  @Test
  void twoBoundMembersBothHaveToGoBeforeTheGroupOpens() {
    int a = other.open(cdev(host, PAIR_A), RDWR);
    int b = other.open(cdev(host, PAIR_B), RDWR);
    int i = openIommufd(other);
    assertThat(bindRaw(other, a, i)).isZero();
    assertThat(bindRaw(other, b, i)).isZero();
    assertThat(other.close(a)).isZero();
    assertThat(openGroup(vmm, PAIR_GROUP)).isEqualTo(Errno.EBUSY.negative());
    assertThat(other.close(b)).isZero();
    assertThat(openGroup(vmm, PAIR_GROUP)).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aLegacyDeviceFdKeepsTheGroupOpenAfterTheGroupFdCloses() {
    Legacy l = legacy(vmm, PAIR_GROUP, VFIO_TYPE1v2_IOMMU);
    int dev = getDeviceFd(vmm, l.group(), PAIR_A);
    assertThat(vmm.close(l.group())).isZero();
    assertThat(vmm.close(l.container())).isZero();
    // the group file lives on in the device fd
    assertThat(host.vfio().group(PAIR_GROUP).isOpen()).isTrue();
    assertThat(openGroup(other, PAIR_GROUP)).isEqualTo(Errno.EBUSY.negative());
    int cdevB = other.open(cdev(host, PAIR_B), RDWR);
    assertThat(bindRaw(other, cdevB, openIommufd(other))).isEqualTo(Errno.EBUSY.negative());
    // the device still works and the container with it
    assertThat(vmm.ioctl(dev, io.jvfio.uapi.vfio.VfioIoctls.VFIO_DEVICE_GET_INFO, deviceInfo()))
        .isZero();
    assertThat(vmm.close(dev)).isZero();
    assertThat(host.vfio().group(PAIR_GROUP).isOpen()).isFalse();
    assertThat(host.device(PAIR_A).orElseThrow().iommuGroup().claimed()).isFalse();
    assertThat(bindRaw(other, cdevB, openIommufd(other))).isZero();
  }

  @Test
  void onTheIommufdPathTheGroupFdCanCloseWhileADeviceStaysOpen() {
    int g = openGroup(vmm, PAIR_GROUP);
    int i = openIommufd(vmm);
    assertThat(setContainer(vmm, g, i)).isZero();
    int dev = getDeviceFd(vmm, g, PAIR_A);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    assertThat(vmm.close(g)).isZero();
    assertThat(host.vfio().group(PAIR_GROUP).isOpen()).isFalse();
    // another process opens the group again
    int g2 = openGroup(other, PAIR_GROUP);
    assertThat(g2).isGreaterThanOrEqualTo(0);
    assertThat(other.close(g2)).isZero();
    // with the group closed, BIND of the sibling is no longer EBUSY: DMA ownership decides
    int b = other.open(cdev(host, PAIR_B), RDWR);
    assertThat(bindRaw(other, b, openIommufd(other))).isEqualTo(Errno.EPERM.negative());
    int vb = vmm.open(cdev(host, PAIR_B), RDWR);
    assertThat(bindRaw(vmm, vb, i)).isZero();
    VfioDevice a = host.device(PAIR_A).orElseThrow();
    VfioDevice bDev = host.device(PAIR_B).orElseThrow();
    assertThat(a.iommufdBinding().context()).isSameAs(bDev.iommufdBinding().context());
    assertThat(bDev.cdevOpened()).isTrue();
    assertThat(a.cdevOpened()).isFalse();
    // now the bound cdev blocks the group
    assertThat(openGroup(other, PAIR_GROUP)).isEqualTo(Errno.EBUSY.negative());
  }

  @Test
  void bindOnAGroupDeviceFdIsEinvalEvenOnTheIommufdPath() {
    int g = openGroup(vmm, ROOT_GROUP);
    int i = openIommufd(vmm);
    assertThat(setContainer(vmm, g, i)).isZero();
    int dev = getDeviceFd(vmm, g, ROOT);
    assertThat(bindRaw(vmm, dev, i)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void cdevBindOfADeviceOpenedThroughTheGroupIsRefused() {
    // the group path opened the device, then the group fd closed (iommufd path)
    int g = openGroup(vmm, ROOT_GROUP);
    int i = openIommufd(vmm);
    assertThat(setContainer(vmm, g, i)).isZero();
    int dev = getDeviceFd(vmm, g, ROOT);
    assertThat(vmm.close(g)).isZero();
    int c = vmm.open(cdev(host, ROOT), RDWR);
    // open_count != 0: EINVAL from vfio_df_open
    assertThat(bindRaw(vmm, c, i)).isEqualTo(Errno.EINVAL.negative());
    assertThat(vmm.close(dev)).isZero();
    assertThat(bindRaw(vmm, c, i)).isZero();
  }
}
