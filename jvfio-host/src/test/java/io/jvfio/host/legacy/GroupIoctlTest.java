package io.jvfio.host.legacy;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.vfio.DeviceFile;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /dev/vfio/N}: drivers/vfio/group.c. */
class GroupIoctlTest {
  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = defaultHost();
    p = host.process("vmm");
  }

  // ---- open ----

  @Test
  void aGroupHasOneOpenerAtATime() {
    int g = openGroup(p, ROOT_GROUP);
    assertThat(g).isEqualTo(3);
    assertThat(openGroup(p, ROOT_GROUP)).isEqualTo(Errno.EBUSY.negative());
    HostProcess other = host.process("other");
    assertThat(openGroup(other, ROOT_GROUP)).isEqualTo(Errno.EBUSY.negative());
    // a failed open leaves no fd behind
    assertThat(other.openFds()).containsExactly(0, 1, 2);
    // other groups are independent
    assertThat(openGroup(other, SLOT_GROUP)).isEqualTo(3);
    assertThat(p.close(g)).isZero();
    assertThat(openGroup(other, ROOT_GROUP)).isEqualTo(4);
  }

  @Test
  void onlyGroupsWithAVfioDeviceHaveANode() {
    for (int g : new int[] {0, 2, 4, 7, 9, 10}) {
      assertThat(openGroup(p, g)).as("group %d", g).isEqualTo(Errno.ENOENT.negative());
    }
  }

  @Test
  void hostDriverGroupNineHasNoNode() {
    Host h = new Host(DefaultHost.withHostDriver());
    HostProcess q = h.process("vmm");
    assertThat(h.deviceNodes()).doesNotContain("/dev/vfio/9");
    assertThat(openGroup(q, 9)).isEqualTo(Errno.ENOENT.negative());
    // the vfio groups on the same bus are unaffected
    int g = openGroup(q, BUS_A_GROUP);
    assertThat(groupFlags(q, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
  }

  // ---- GET_STATUS ----

  @Test
  void getStatusChecksArgszAndWritesOnlyTheMinimalStruct() {
    int g = openGroup(p, ROOT_GROUP);
    MemorySegment s = alloc(16);
    s.fill((byte) 0x5a);
    VfioGroupStatus.ARGSZ.set(s, 7);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, s)).isEqualTo(Errno.EINVAL.negative());
    assertThat(VfioGroupStatus.FLAGS.get(s)).isEqualTo(0x5a5a5a5a);

    VfioGroupStatus.ARGSZ.set(s, 100);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, s)).isZero();
    assertThat(VfioGroupStatus.ARGSZ.get(s)).isEqualTo(100);
    assertThat(VfioGroupStatus.FLAGS.get(s)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
    assertThat(s.get(ValueLayout.JAVA_LONG_UNALIGNED, 8)).isEqualTo(0x5a5a5a5a5a5a5a5aL);

    // exactly 8 bytes of memory is enough; 4 is EFAULT
    MemorySegment exact = alloc(8);
    VfioGroupStatus.ARGSZ.set(exact, 8);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, exact)).isZero();
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, alloc(4)))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, MemorySegment.NULL))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void getStatusIsViableBeforeAndViableContainerSetAfterSetContainer() {
    int g = openGroup(p, PAIR_GROUP);
    assertThat(groupFlags(p, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(groupFlags(p, g))
        .isEqualTo(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
    assertThat(setIommu(p, c, VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(groupFlags(p, g))
        .isEqualTo(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
    assertThat(unsetContainer(p, g)).isZero();
    assertThat(groupFlags(p, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
  }

  /** A vfio device sharing its IOMMU group with a host-driver function. */
  private static Topology mixedGroup() {
    return Topology.parse(
        """
        bridge   0000:00:1c.0 8086:a110 secondary=01 group=1
        function 0000:01:00.0 1234:11e8 driver=vfio-pci group=2
        function 0000:01:00.1 8086:1533 driver=host:igb group=2
        """);
  }

  @Test
  void aGroupWithAHostDriverMemberIsNotViableAndCannotJoinAContainer() {
    HostProcess q = new Host(mixedGroup()).process("vmm");
    int g = openGroup(q, 2);
    assertThat(g).isEqualTo(3);
    assertThat(groupFlags(q, g)).isZero();
    int c = openContainer(q);
    assertThat(setContainer(q, g, c)).isEqualTo(Errno.EPERM.negative());
    assertThat(groupFlags(q, g)).isZero();
    assertThat(unsetContainer(q, g)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void aNonViableGroupMayJoinAnIommufdButOpeningADeviceIsEperm() {
    HostProcess q = new Host(mixedGroup()).process("vmm");
    int g = openGroup(q, 2);
    int i = openIommufd(q);
    assertThat(setContainer(q, g, i)).isZero();
    assertThat(groupFlags(q, g))
        .isEqualTo(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
    assertThat(getDeviceFd(q, g, "0000:01:00.0")).isEqualTo(Errno.EPERM.negative());
    assertThat(q.openFds()).containsExactly(0, 1, 2, g, i);
  }

  // ---- SET_CONTAINER ----

  @Test
  void setContainerErrnoOrder() {
    int g = openGroup(p, ROOT_GROUP);
    int c = openContainer(p);
    // 1. the int can't be read
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, alloc(3)))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, MemorySegment.NULL))
        .isEqualTo(Errno.EFAULT.negative());
    // 2. not an open fd
    for (int bad : new int[] {-1, 77, 1024, Integer.MAX_VALUE}) {
      assertThat(setContainer(p, g, bad)).as("fd %d", bad).isEqualTo(Errno.EBADF.negative());
    }
    // 4. neither container nor iommufd: /dev/null, a group, a device cdev
    int other = openGroup(p, SLOT_GROUP);
    int cdev = p.open("/dev/vfio/devices/vfio0", RDWR);
    assertThat(setContainer(p, g, 0)).isEqualTo(Errno.EBADFD.negative());
    assertThat(setContainer(p, g, g)).isEqualTo(Errno.EBADFD.negative());
    assertThat(setContainer(p, g, other)).isEqualTo(Errno.EBADFD.negative());
    assertThat(setContainer(p, g, cdev)).isEqualTo(Errno.EBADFD.negative());
    assertThat(groupFlags(p, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);

    assertThat(setContainer(p, g, c)).isZero();
    // 3. already set: after the fd check, before the fd-type check
    assertThat(setContainer(p, g, 77)).isEqualTo(Errno.EBADF.negative());
    assertThat(setContainer(p, g, c)).isEqualTo(Errno.EINVAL.negative());
    assertThat(setContainer(p, g, openContainer(p))).isEqualTo(Errno.EINVAL.negative());
    assertThat(setContainer(p, g, openIommufd(p))).isEqualTo(Errno.EINVAL.negative());
    assertThat(setContainer(p, g, 0)).isEqualTo(Errno.EINVAL.negative());
    assertThat(setContainer(p, g, cdev)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void setContainerWithAGroupDeviceFdIsEbadfd() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    int dev = getDeviceFd(p, l.group(), ROOT);
    int g2 = openGroup(p, SLOT_GROUP);
    assertThat(setContainer(p, g2, dev)).isEqualTo(Errno.EBADFD.negative());
  }

  @Test
  void setContainerReadsAnS32FdFromTheArgument() {
    int g = openGroup(p, ROOT_GROUP);
    int c = openContainer(p);
    MemorySegment arg = alloc(8);
    arg.set(S32, 0, c);
    arg.set(S32, 4, 0x7fffffff); // bytes past the int are ignored
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_SET_CONTAINER, arg)).isZero();
  }

  // ---- UNSET_CONTAINER ----

  @Test
  void unsetContainerRulesOnTheLegacyPath() {
    int g = openGroup(p, ROOT_GROUP);
    assertThat(unsetContainer(p, g)).isEqualTo(Errno.EINVAL.negative());
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, VFIO_TYPE1v2_IOMMU)).isZero();
    int d1 = getDeviceFd(p, g, ROOT);
    int d2 = getDeviceFd(p, g, ROOT);
    assertThat(unsetContainer(p, g)).isEqualTo(Errno.EBUSY.negative());
    assertThat(p.close(d1)).isZero();
    assertThat(unsetContainer(p, g)).isEqualTo(Errno.EBUSY.negative());
    assertThat(p.close(d2)).isZero();
    assertThat(unsetContainer(p, g)).isZero();
    assertThat(unsetContainer(p, g)).isEqualTo(Errno.EINVAL.negative());
    assertThat(groupFlags(p, g)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
    // the group can join again
    assertThat(setContainer(p, g, c)).isZero();
  }

  @Test
  void unsetContainerOnTheIommufdPathDoesNotCheckForOpenDevices() {
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    int dev = getDeviceFd(p, g, ROOT);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    assertThat(unsetContainer(p, g)).isZero();
    assertThat(unsetContainer(p, g)).isEqualTo(Errno.EINVAL.negative());
    // the device stays usable and bound
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_GET_INFO, deviceInfo())).isZero();
    assertThat(host.device(ROOT).orElseThrow().iommufdBinding()).isNotNull();
    assertThat(p.close(dev)).isZero();
    assertThat(host.device(ROOT).orElseThrow().iommufdBinding()).isNull();
  }

  // ---- GET_DEVICE_FD ----

  @Test
  void getDeviceFdWithAnUnknownNameIsEnodevBeforeAnyContainerCheck() {
    int g = openGroup(p, ROOT_GROUP);
    for (String name :
        new String[] {
          "", "0000:00:02.1", "00:02.0", "0000:00:02.0 ", "0000:01:00.0", "0000:00:02.0x"
        }) {
      assertThat(getDeviceFd(p, g, name)).as("'%s'", name).isEqualTo(Errno.ENODEV.negative());
    }
    Legacy l = legacy(p, PAIR_GROUP, VFIO_TYPE1v2_IOMMU);
    assertThat(getDeviceFd(p, l.group(), ROOT)).isEqualTo(Errno.ENODEV.negative());
    assertThat(getDeviceFd(p, l.group(), "0000:03:00.2")).isEqualTo(Errno.ENODEV.negative());
  }

  @Test
  void getDeviceFdNeedsAContainerWithADriver() {
    int g = openGroup(p, ROOT_GROUP);
    assertThat(getDeviceFd(p, g, ROOT)).isEqualTo(Errno.EINVAL.negative());
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(getDeviceFd(p, g, ROOT)).isEqualTo(Errno.EINVAL.negative());
    VfioDevice d = host.device(ROOT).orElseThrow();
    assertThat(d.openCount()).isZero();
    assertThat(p.openFds()).containsExactly(0, 1, 2, g, c);
    assertThat(setIommu(p, c, VFIO_TYPE1_IOMMU)).isZero();
    assertThat(getDeviceFd(p, g, ROOT)).isEqualTo(5);
    assertThat(d.openCount()).isEqualTo(1);
  }

  @Test
  void getDeviceFdNameMustEndWithinAPage() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    int g = l.group();
    // no NUL in 4096 readable bytes: EINVAL
    MemorySegment longName = alloc(5000);
    longName.fill((byte) 'a');
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, longName))
        .isEqualTo(Errno.EINVAL.negative());
    // NUL at index 4096 is one byte too far
    longName.set(ValueLayout.JAVA_BYTE, 4096, (byte) 0);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, longName))
        .isEqualTo(Errno.EINVAL.negative());
    // 4095 characters and the NUL fit: the name is read, and matches nothing
    longName.set(ValueLayout.JAVA_BYTE, 4095, (byte) 0);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, longName))
        .isEqualTo(Errno.ENODEV.negative());
    // exactly 4096 bytes mapped with no NUL: EINVAL, not EFAULT
    MemorySegment page = alloc(4096);
    page.fill((byte) 'b');
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, page))
        .isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void getDeviceFdNameRunningOffTheMappedMemoryIsEfault() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    byte[] name = ROOT.getBytes();
    MemorySegment unterminated = alloc(name.length);
    MemorySegment.copy(name, 0, unterminated, ValueLayout.JAVA_BYTE, 0, name.length);
    assertThat(p.ioctl(l.group(), VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, unterminated))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(l.group(), VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, MemorySegment.NULL))
        .isEqualTo(Errno.EFAULT.negative());
    // EFAULT comes before the container check
    int g2 = openGroup(p, SLOT_GROUP);
    assertThat(p.ioctl(g2, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, unterminated))
        .isEqualTo(Errno.EFAULT.negative());
    // a name in the process's own memory, passed as a raw address word
    MemorySegment mapped = p.memory().map(4096);
    MemorySegment.copy(name, 0, mapped, ValueLayout.JAVA_BYTE, 0, name.length);
    assertThat(p.ioctl(l.group(), VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, mapped.address()))
        .isGreaterThanOrEqualTo(0);
    assertThat(p.ioctl(l.group(), VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, 0x10L))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void getDeviceFdReturnsTheLowestFreeFd() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU); // 3, 4
    assertThat(p.close(1)).isZero();
    assertThat(getDeviceFd(p, l.group(), ROOT)).isEqualTo(1);
    assertThat(getDeviceFd(p, l.group(), ROOT)).isEqualTo(5);
    assertThat(p.close(0)).isZero();
    assertThat(getDeviceFd(p, l.group(), ROOT)).isZero();
    assertThat(p.describe(0)).isEqualTo("anon_inode:[vfio-device] " + ROOT);
  }

  @Test
  void repeatedGetDeviceFdOpensTheDeviceOnce() {
    Legacy l = legacy(p, PAIR_GROUP, VFIO_TYPE1v2_IOMMU);
    VfioDevice a = host.device(PAIR_A).orElseThrow();
    VfioDevice b = host.device(PAIR_B).orElseThrow();
    int a1 = getDeviceFd(p, l.group(), PAIR_A);
    int a2 = getDeviceFd(p, l.group(), PAIR_A);
    int b1 = getDeviceFd(p, l.group(), PAIR_B);
    assertThat(new int[] {a1, a2, b1}).containsExactly(5, 6, 7);
    assertThat(p.file(a1)).isNotSameAs(p.file(a2));
    assertThat(a.openCount()).isEqualTo(2);
    assertThat(b.openCount()).isEqualTo(1);
    assertThat(a.devSet().openCount()).isEqualTo(3);
    assertThat(a.cdevOpened()).isFalse();
    assertThat(p.close(a1)).isZero();
    assertThat(a.openCount()).isEqualTo(1);
    assertThat(p.ioctl(a2, VfioIoctls.VFIO_DEVICE_GET_INFO, deviceInfo())).isZero();
    assertThat(p.close(a2)).isZero();
    assertThat(a.openCount()).isZero();
  }

  @Test
  void aGroupDeviceFdWorksAtOnceButHasNoCdevIoctls() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    int dev = getDeviceFd(p, l.group(), ROOT);
    DeviceFile df = (DeviceFile) p.file(dev);
    assertThat(df.fromGroup()).isTrue();
    assertThat(df.accessGranted()).isTrue();

    MemorySegment info = deviceInfo();
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_GET_INFO, info)).isZero();
    assertThat(VfioDeviceInfo.FLAGS.get(info))
        .isEqualTo(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
    assertThat(VfioDeviceInfo.NUM_REGIONS.get(info)).isEqualTo(VFIO_PCI_NUM_REGIONS);
    assertThat(VfioDeviceInfo.NUM_IRQS.get(info)).isEqualTo(VFIO_PCI_NUM_IRQS);

    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attachArg(1)))
        .isEqualTo(Errno.ENOTTY.negative());
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_DETACH_IOMMUFD_PT, detachArg()))
        .isEqualTo(Errno.ENOTTY.negative());
    int iommufd = openIommufd(p);
    assertThat(bindRaw(p, dev, iommufd)).isEqualTo(Errno.EINVAL.negative());
    assertThat(p.ioctl(dev, 0x1234, alloc(8))).isEqualTo(Errno.ENOTTY.negative());
  }

  @Test
  void getInfoOfAGroupDeviceWithoutFunctionResetHasNoResetFlag() {
    Legacy l = legacy(p, BUS_A_GROUP, VFIO_TYPE1v2_IOMMU);
    int dev = getDeviceFd(p, l.group(), DefaultHost.BUS_DEVICE_A);
    MemorySegment info = deviceInfo();
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_GET_INFO, info)).isZero();
    assertThat(VfioDeviceInfo.FLAGS.get(info)).isEqualTo(VFIO_DEVICE_FLAGS_PCI);
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void deviceFdsOfOneGroupMayBeUsedFromAnotherProcess() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    int dev = getDeviceFd(p, l.group(), ROOT);
    HostProcess q = host.process("helper");
    int qdev = p.passFd(dev, q);
    assertThat(qdev).isEqualTo(3);
    assertThat(p.close(dev)).isZero();
    assertThat(q.ioctl(qdev, VfioIoctls.VFIO_DEVICE_GET_INFO, deviceInfo())).isZero();
    assertThat(unsetContainer(p, l.group())).isEqualTo(Errno.EBUSY.negative());
    q.close();
    assertThat(unsetContainer(p, l.group())).isZero();
  }

  // ---- everything else ----

  @Test
  void unknownGroupIoctlsAreEnotty() {
    int g = openGroup(p, ROOT_GROUP);
    for (long req :
        new long[] {
          VfioIoctls.VFIO_GET_API_VERSION,
          VfioIoctls.VFIO_CHECK_EXTENSION,
          VfioIoctls.VFIO_SET_IOMMU,
          VfioIoctls.VFIO_DEVICE_GET_INFO,
          VfioIoctls.VFIO_IOMMU_MAP_DMA,
          VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD,
          0x1234,
          0
        }) {
      assertThat(p.ioctl(g, req, alloc(64)))
          .as("request %x", req)
          .isEqualTo(Errno.ENOTTY.negative());
    }
  }
}
