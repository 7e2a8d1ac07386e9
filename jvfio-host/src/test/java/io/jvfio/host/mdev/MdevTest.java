package io.jvfio.host.mdev;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bind;
import static io.jvfio.host.testkit.Cdev.detach;
import static io.jvfio.host.testkit.Devices.deviceInfoFlags;
import static io.jvfio.host.testkit.Devices.deviceReset;
import static io.jvfio.host.testkit.Groups.getDeviceFd;
import static io.jvfio.host.testkit.Groups.groupFlags;
import static io.jvfio.host.testkit.Groups.openContainerOk;
import static io.jvfio.host.testkit.Groups.openGroup;
import static io.jvfio.host.testkit.Groups.openGroupOk;
import static io.jvfio.host.testkit.Groups.setContainer;
import static io.jvfio.host.testkit.Groups.setIommu;
import static io.jvfio.host.testkit.Iommufd.destroy;
import static io.jvfio.host.testkit.Iommufd.ioasAllocOk;
import static io.jvfio.host.testkit.Iommufd.objects;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.openOk;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.sdk.PlainFunction;
import io.jvfio.host.testkit.HotResets;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mediated devices as a VMM sees them through syscalls, on the mirror of the lab VM: two edu
 * functions on vfio-pci, three mtty-2 mdevs (plain models here: what is checked is the vfio core's
 * and the parent driver's part, not the serial card).
 */
class MdevTest {
  private static final String MTTY_A = DefaultHost.LAB_MTTY.get(0);
  private static final String MTTY_B = DefaultHost.LAB_MTTY.get(1);

  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    ModelRegistry models =
        ModelRegistry.builtin()
            .register("edu", PlainFunction::new)
            .register("mtty2", PlainFunction::new);
    host = new Host(DefaultHost.labVm(), models);
    p = host.process("vmm");
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  private VfioDevice mdev(String uuid) {
    return host.mdev(uuid).orElseThrow();
  }

  @Test
  void labMirrorNumbersCdevsAndGroupsAsLinuxDid() {
    List<String> cdevOrder =
        host.vfio().devices().stream().map(d -> d.cdevPath() + " " + d.name()).toList();
    assertThat(cdevOrder)
        .containsExactly(
            "/dev/vfio/devices/vfio0 " + DefaultHost.LAB_EDU_A,
            "/dev/vfio/devices/vfio1 " + DefaultHost.LAB_EDU_B,
            "/dev/vfio/devices/vfio2 " + DefaultHost.LAB_MTTY.get(0),
            "/dev/vfio/devices/vfio3 " + DefaultHost.LAB_MTTY.get(1),
            "/dev/vfio/devices/vfio4 " + DefaultHost.LAB_MTTY.get(2));
    assertThat(host.vfio().devices().stream().map(d -> d.group().id()).toList())
        .containsExactly(3, 3, 4, 5, 6);
    assertThat(host.deviceNodes())
        .contains("/dev/vfio/3", "/dev/vfio/4", "/dev/vfio/5", "/dev/vfio/6");
    // an mdev's group holds no PCI function
    assertThat(host.iommuGroups().get(4).members()).isEmpty();
  }

  @Test
  void cdevAttachGoesThroughAnAccessAndLeavesPtIdAndTheNextIdAlone() {
    int ictx = openIommufdOk(p);
    int ioas = ioasAllocOk(p, ictx);
    int dev = openOk(p, mdev(MTTY_A).cdevPath());
    int devid = bind(p, dev, ictx);
    assertThat(devid).isEqualTo(ioas + 1);
    assertThat(attach(p, dev, ioas)).as("pt_id after attach").isEqualTo(ioas);
    // no HWPT was made: the next id is the one after the access's
    assertThat(objects(p, ictx)).containsExactly("ioas " + ioas, "access " + devid);
    assertThat(ioasAllocOk(p, ictx)).isEqualTo(devid + 1);
    // the access holds its IOAS and is held by the driver
    assertThat(destroy(p, ictx, ioas)).isEqualTo(Errno.EBUSY.negative());
    assertThat(destroy(p, ictx, devid)).isEqualTo(Errno.EBUSY.negative());
    // an access attaches to an IOAS only: the access's own id is no IOAS
    assertThat(attach(p, dev, devid)).isEqualTo(Errno.ENOENT.negative());
    assertThat(detach(p, dev)).isZero();
    assertThat(destroy(p, ictx, ioas)).isZero();
    assertThat(p.close(dev)).isZero();
    assertThat(objects(p, ictx)).containsExactly("ioas " + (devid + 1));
  }

  @Test
  void aPciFunctionOfTheSameHostDoesGetAnAutomaticHwpt() {
    // the contrast that makes the test above mean something
    int ictx = openIommufdOk(p);
    int ioas = ioasAllocOk(p, ictx);
    int dev = openOk(p, host.device(DefaultHost.LAB_EDU_A).orElseThrow().cdevPath());
    int devid = bind(p, dev, ictx);
    int pt = attach(p, dev, ioas);
    assertThat(pt).isNotEqualTo(ioas).isEqualTo(devid + 1);
    assertThat(objects(p, ictx)).contains("hwpt_paging " + pt);
  }

  @Test
  void theBindClaimsNoDmaOwnershipButStillBlocksTheGroup() {
    int ictx = openIommufdOk(p);
    int dev = openOk(p, mdev(MTTY_A).cdevPath());
    bind(p, dev, ictx);
    assertThat(mdev(MTTY_A).iommuGroup().claimed()).isFalse();
    assertThat(openGroup(p, 4)).isEqualTo(Errno.EBUSY.negative());
    assertThat(p.close(dev)).isZero();
    assertThat(openGroup(p, 4)).isPositive();
  }

  @Test
  void getInfoFlagsAreTheDriversAndResetWorksAnyway() {
    int ictx = openIommufdOk(p);
    int dev = openOk(p, mdev(MTTY_A).cdevPath());
    bind(p, dev, ictx);
    assertThat(deviceInfoFlags(p, dev)).isEqualTo(VFIO_DEVICE_FLAGS_PCI).isEqualTo(0x2);
    int before = mdev(MTTY_A).resets();
    assertThat(deviceReset(p, dev)).isZero();
    assertThat(mdev(MTTY_A).resets()).isEqualTo(before + 1);
    // opening and closing reset nothing: the parent driver has no reset at open or close
    assertThat(before).isZero();
    assertThat(p.close(dev)).isZero();
    assertThat(mdev(MTTY_A).resets()).isEqualTo(1);
  }

  @Test
  void hotResetIoctlsAreUnknownToTheMdevDriver() {
    int ictx = openIommufdOk(p);
    int dev = openOk(p, mdev(MTTY_A).cdevPath());
    bind(p, dev, ictx);
    assertThat(HotResets.info(p, dev).ret()).isEqualTo(Errno.ENOTTY.negative());
    assertThat(HotResets.hotReset(p, dev)).isEqualTo(Errno.ENOTTY.negative());
    // an edu function of the same host answers them (bus 02 can be reset)
    int edu = openOk(p, host.device(DefaultHost.LAB_EDU_A).orElseThrow().cdevPath());
    bind(p, edu, ictx);
    assertThat(HotResets.info(p, edu).ret()).isZero();
  }

  @Test
  void theGroupIsViableAndWorksInAType1Container() {
    int g = openGroupOk(p, 5);
    assertThat(groupFlags(p, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
    int c = openContainerOk(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(groupFlags(p, g))
        .isEqualTo(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
    // the device is named by its UUID; a PCI address names nothing in this group
    assertThat(getDeviceFd(p, g, DefaultHost.LAB_EDU_A)).isEqualTo(Errno.ENODEV.negative());
    int dev = getDeviceFd(p, g, MTTY_B);
    assertThat(dev).isPositive();
    assertThat(deviceInfoFlags(p, dev)).isEqualTo(VFIO_DEVICE_FLAGS_PCI);
    assertThat(deviceReset(p, dev)).isZero();
    assertThat(HotResets.info(p, dev).ret()).isEqualTo(Errno.ENOTTY.negative());
  }

  @Test
  void theGroupPathWithAnIommufdAttachesAnAccessToTheCompatIoas() {
    int ictx = openIommufdOk(p);
    int g = openGroupOk(p, 5);
    assertThat(setContainer(p, g, ictx)).isZero();
    int dev = getDeviceFd(p, g, MTTY_B);
    assertThat(dev).isPositive();
    VfioDevice d = mdev(MTTY_B);
    assertThat(d.iommufdAccess()).isNotNull();
    assertThat(d.iommufdAccess().ioas()).isNotNull();
    assertThat(objects(p, ictx)).noneMatch(o -> o.startsWith("hwpt"));
    assertThat(p.close(dev)).isZero();
    assertThat(d.iommufdAccess()).isNull();
    assertThat(objects(p, ictx)).noneMatch(o -> o.startsWith("access"));
  }
}
