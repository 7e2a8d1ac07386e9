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
import io.jvfio.host.vfio.ContainerFile;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /dev/vfio/vfio}: drivers/vfio/container.c and type1's CHECK_EXTENSION. */
class ContainerIoctlTest {
  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = defaultHost();
    p = host.process("vmm");
  }

  @Test
  void apiVersionIsZeroWhateverTheArgument() {
    int c = openContainer(p);
    assertThat(c).isEqualTo(3);
    assertThat(p.ioctl(c, VfioIoctls.VFIO_GET_API_VERSION, 0L)).isZero();
    assertThat(p.ioctl(c, VfioIoctls.VFIO_GET_API_VERSION, 12345L)).isZero();
    assertThat(p.ioctl(c, VfioIoctls.VFIO_GET_API_VERSION, MemorySegment.NULL)).isZero();
  }

  @Test
  void everyOpenIsAFreshEmptyContainer() {
    int c1 = openContainer(p);
    int c2 = openContainer(p);
    assertThat(p.file(c1)).isNotSameAs(p.file(c2));
    assertThat(((ContainerFile) p.file(c1)).groups()).isEmpty();
    assertThat(((ContainerFile) p.file(c1)).iommu()).isNull();
  }

  @Test
  void checkExtensionBeforeSetIommuAnswersForType1Only() {
    int c = openContainer(p);
    for (long ext = 0; ext <= 12; ext++) {
      int expected =
          ext == VFIO_TYPE1_IOMMU || ext == VFIO_TYPE1v2_IOMMU || ext == VFIO_UNMAP_ALL ? 1 : 0;
      assertThat(checkExtension(p, c, ext)).as("extension %d", ext).isEqualTo(expected);
    }
    assertThat(checkExtension(p, c, 99)).isZero();
    assertThat(checkExtension(p, c, -1L)).isZero();
    assertThat(checkExtension(p, c, 1L << 32 | VFIO_TYPE1_IOMMU)).isZero();
  }

  @Test
  void checkExtensionWithGroupsButNoDriverStillProbes() {
    int g = openGroup(p, ROOT_GROUP);
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(checkExtension(p, c, VFIO_TYPE1v2_IOMMU)).isEqualTo(1);
    assertThat(checkExtension(p, c, VFIO_DMA_CC_IOMMU)).isZero();
    assertThat(checkExtension(p, c, VFIO_UPDATE_VADDR)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU})
  void checkExtensionAfterSetIommuAnswersForTheDriver(int type) {
    Legacy l = legacy(p, ROOT_GROUP, type);
    int c = l.container();
    assertThat(checkExtension(p, c, VFIO_TYPE1_IOMMU)).isEqualTo(1);
    assertThat(checkExtension(p, c, VFIO_TYPE1v2_IOMMU)).isEqualTo(1);
    assertThat(checkExtension(p, c, VFIO_DMA_CC_IOMMU)).isEqualTo(1);
    assertThat(checkExtension(p, c, VFIO_UNMAP_ALL)).isEqualTo(1);
    assertThat(checkExtension(p, c, VFIO_UPDATE_VADDR)).isEqualTo(1);
    for (int ext :
        new int[] {
          0,
          VFIO_SPAPR_TCE_IOMMU,
          VFIO_EEH,
          VFIO_TYPE1_NESTING_IOMMU,
          VFIO_SPAPR_TCE_v2_IOMMU,
          VFIO_NOIOMMU_IOMMU,
          11,
          99
        }) {
      assertThat(checkExtension(p, c, ext)).as("extension %d", ext).isZero();
    }
  }

  @Test
  void setIommuWithoutAGroupIsEinvalEvenForUnsupportedTypes() {
    int c = openContainer(p);
    assertThat(setIommu(p, c, VFIO_TYPE1v2_IOMMU)).isEqualTo(Errno.EINVAL.negative());
    assertThat(setIommu(p, c, VFIO_TYPE1_IOMMU)).isEqualTo(Errno.EINVAL.negative());
    // the "no group" check comes before the driver search, so not ENODEV
    assertThat(setIommu(p, c, 99)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void setIommuTwiceIsEinval() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    assertThat(setIommu(p, l.container(), VFIO_TYPE1v2_IOMMU)).isEqualTo(Errno.EINVAL.negative());
    assertThat(setIommu(p, l.container(), VFIO_TYPE1_IOMMU)).isEqualTo(Errno.EINVAL.negative());
    assertThat(setIommu(p, l.container(), 99)).isEqualTo(Errno.EINVAL.negative());
    assertThat(((ContainerFile) p.file(l.container())).iommu().v2()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      longs = {0, 2, 4, 5, 6, 7, 8, 10, 99, -1L, (1L << 32) | VFIO_TYPE1v2_IOMMU, 1L << 40})
  void setIommuWithAnUnsupportedTypeIsEnodevAndLeavesNoDriver(long type) {
    int g = openGroup(p, ROOT_GROUP);
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, type)).isEqualTo(Errno.ENODEV.negative());
    assertThat(((ContainerFile) p.file(c)).iommu()).isNull();
    // a failed SET_IOMMU leaves the container usable
    assertThat(setIommu(p, c, VFIO_TYPE1_IOMMU)).isZero();
    assertThat(((ContainerFile) p.file(c)).iommu().v2()).isFalse();
  }

  @Test
  void setIommuWithUnmapAllReachesType1OpenWhichRefusesIt() {
    // type1 answers CHECK_EXTENSION(VFIO_UNMAP_ALL) with 1, so SET_IOMMU calls its open,
    // and vfio_iommu_type1_open accepts only TYPE1 and TYPE1v2: EINVAL, not ENODEV
    int g = openGroup(p, ROOT_GROUP);
    int c = openContainer(p);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, VFIO_UNMAP_ALL)).isEqualTo(Errno.EINVAL.negative());
    assertThat(((ContainerFile) p.file(c)).iommu()).isNull();
    assertThat(setIommu(p, c, VFIO_TYPE1v2_IOMMU)).isZero();
  }

  @Test
  void driverIoctlsWithoutADriverAreEinvalNotEnotty() {
    int c = openContainer(p);
    MemorySegment arg = alloc(64);
    for (long req :
        new long[] {
          VfioIoctls.VFIO_IOMMU_GET_INFO,
          VfioIoctls.VFIO_IOMMU_MAP_DMA,
          VfioIoctls.VFIO_IOMMU_UNMAP_DMA,
          VfioIoctls.VFIO_IOMMU_DIRTY_PAGES,
          VfioIoctls.VFIO_GROUP_GET_STATUS,
          VfioIoctls.VFIO_DEVICE_GET_INFO,
          0x1234,
          0
        }) {
      assertThat(p.ioctl(c, req, arg)).as("request %x", req).isEqualTo(Errno.EINVAL.negative());
    }
    // the same with groups attached but no SET_IOMMU
    int g = openGroup(p, ROOT_GROUP);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(p.ioctl(c, VfioIoctls.VFIO_IOMMU_GET_INFO, arg)).isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void unknownIoctlsWithType1SetAreEnotty() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    MemorySegment arg = alloc(64);
    for (long req :
        new long[] {
          VfioIoctls.VFIO_GROUP_GET_STATUS,
          VfioIoctls.VFIO_DEVICE_GET_INFO,
          VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD,
          0x1234
        }) {
      assertThat(p.ioctl(l.container(), req, arg))
          .as("request %x", req)
          .isEqualTo(Errno.ENOTTY.negative());
    }
  }

  @Test
  void readAndWriteOnContainerGroupAndIommufdAreEinval() {
    int c = openContainer(p);
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    MemorySegment buf = alloc(16);
    for (int fd : new int[] {c, g, i}) {
      assertThat(p.read(fd, buf)).as(p.describe(fd)).isEqualTo(Errno.EINVAL.negative());
      assertThat(p.write(fd, buf)).as(p.describe(fd)).isEqualTo(Errno.EINVAL.negative());
    }
  }

  @Test
  void containerOutlivesItsFdWhileAGroupUsesIt() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    ContainerFile container = (ContainerFile) p.file(l.container());
    assertThat(p.close(l.container())).isZero();
    assertThat(container.released()).isFalse();
    assertThat(groupFlags(p, l.group()))
        .isEqualTo(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
    // the driver is still set, so devices can still be opened
    int dev = getDeviceFd(p, l.group(), ROOT);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    assertThat(p.close(dev)).isZero();
    assertThat(unsetContainer(p, l.group())).isZero();
    assertThat(container.released()).isTrue();
  }

  @Test
  void lastGroupLeavingDropsTheDriverAndItsMappings() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    MemorySegment mem = p.memory().map(0x1000);
    int read = VFIO_DMA_MAP_FLAG_READ;
    assertThat(
            p.ioctl(
                l.container(),
                VfioIoctls.VFIO_IOMMU_MAP_DMA,
                dmaMap(32, read, mem.address(), 0, 0x1000)))
        .isZero();
    ContainerFile container = (ContainerFile) p.file(l.container());
    assertThat(unsetContainer(p, l.group())).isZero();
    assertThat(container.iommu()).isNull();
    assertThat(container.groups()).isEmpty();
    assertThat(
            p.ioctl(
                l.container(),
                VfioIoctls.VFIO_IOMMU_MAP_DMA,
                dmaMap(32, read, mem.address(), 0, 0x1000)))
        .isEqualTo(Errno.EINVAL.negative());
    // the group joins again and a new driver (of the other version) can be chosen
    assertThat(setContainer(p, l.group(), l.container())).isZero();
    assertThat(setIommu(p, l.container(), VFIO_TYPE1_IOMMU)).isZero();
    assertThat(container.iommu().v2()).isFalse();
    assertThat(container.iommu().mappings()).isEmpty();
  }

  @Test
  void aSecondGroupJoinsAfterSetIommuAndTheDriverStaysUntilTheLastLeaves() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    int g2 = openGroup(p, SLOT_GROUP);
    assertThat(setContainer(p, g2, l.container())).isZero();
    ContainerFile container = (ContainerFile) p.file(l.container());
    assertThat(container.groups()).hasSize(2);
    assertThat(getDeviceFd(p, g2, "0000:01:00.0")).isGreaterThanOrEqualTo(0);
    assertThat(p.close(l.group())).isZero(); // release detaches group 1
    assertThat(container.groups()).hasSize(1);
    assertThat(container.iommu()).isNotNull();
  }

  @Test
  void closingTheGroupFdDetachesItFromTheContainer() {
    Legacy l = legacy(p, ROOT_GROUP, VFIO_TYPE1v2_IOMMU);
    ContainerFile container = (ContainerFile) p.file(l.container());
    assertThat(p.close(l.group())).isZero();
    assertThat(container.groups()).isEmpty();
    assertThat(container.iommu()).isNull();
    assertThat(setIommu(p, l.container(), VFIO_TYPE1v2_IOMMU)).isEqualTo(Errno.EINVAL.negative());
  }
}
