package io.jvfio.host.legacy;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.iommufd.IommufdConstants.*;
import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.Ioas;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.iommufd.IommufdDevice;
import io.jvfio.host.iommufd.IommufdObject;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.iommufd.IommuIoasAlloc;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A group whose "container" is an iommufd (group.c + iommufd/vfio_compat.c). */
class GroupIommufdCompatTest {
  private Host host;
  private HostProcess p;

  @BeforeEach
  void setUp() {
    host = defaultHost();
    p = host.process("vmm");
  }

  private IommufdContext ictx(int fd) {
    return (IommufdContext) p.file(fd);
  }

  @Test
  void setContainerWithAnIommufdCreatesTheCompatIoas() {
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(Errno.ENODEV.negative());
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(groupFlags(p, g))
        .isEqualTo(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(1);
    assertThat(ictx(i).objects()).singleElement().isInstanceOf(Ioas.class);
    // no DMA ownership yet: that waits for GET_DEVICE_FD
    assertThat(host.device(ROOT).orElseThrow().iommuGroup().claimed()).isFalse();
    // a second group reuses the compat IOAS
    int g2 = openGroup(p, SLOT_GROUP);
    assertThat(setContainer(p, g2, i)).isZero();
    assertThat(ictx(i).objects()).hasSize(1);
  }

  @Test
  void anIoasChosenWithVfioIoasSetBecomesTheGroupsCompatIoas() {
    int i = openIommufd(p);
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_SET, 7)).isEqualTo(Errno.ENOENT.negative());
    MemorySegment alloc = alloc(IommuIoasAlloc.SIZEOF);
    IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.SIZEOF);
    assertThat(p.ioctl(i, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc)).isZero();
    assertThat(p.ioctl(i, IommufdIoctls.IOMMU_IOAS_ALLOC, alloc)).isZero();
    int chosen = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
    assertThat(chosen).isEqualTo(2);
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_SET, chosen)).isEqualTo(chosen);
    int g = openGroup(p, ROOT_GROUP);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(chosen);
    assertThat(ictx(i).objects()).hasSize(2);
    int dev = getDeviceFd(p, g, ROOT);
    assertThat(dev).isGreaterThanOrEqualTo(0);
    assertThat(host.device(ROOT).orElseThrow().iommufdBinding().hwpt().ioas().id())
        .isEqualTo(chosen);
  }

  @Test
  void afterVfioIoasClearTheNextGroupAttachCreatesAnotherIoas() {
    int i = openIommufd(p);
    int g = openGroup(p, ROOT_GROUP);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_CLEAR, 0)).isGreaterThanOrEqualTo(0);
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(Errno.ENODEV.negative());
    int g2 = openGroup(p, SLOT_GROUP);
    assertThat(setContainer(p, g2, i)).isZero();
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_GET, 0)).isEqualTo(2);
    assertThat(ictx(i).objects()).hasSize(2);
  }

  @Test
  void compatApiVersionAndExtensions() {
    int i = openIommufd(p);
    assertThat(p.ioctl(i, VfioIoctls.VFIO_GET_API_VERSION, 0L)).isZero();
    assertThat(checkExtension(p, i, VFIO_TYPE1_IOMMU)).isEqualTo(1);
    assertThat(checkExtension(p, i, VFIO_TYPE1v2_IOMMU)).isEqualTo(1);
    assertThat(checkExtension(p, i, VFIO_UNMAP_ALL)).isEqualTo(1);
    assertThat(checkExtension(p, i, VFIO_UPDATE_VADDR)).isZero();
    assertThat(checkExtension(p, i, VFIO_SPAPR_TCE_IOMMU)).isZero();
    assertThat(checkExtension(p, i, 99)).isZero();
    // the extension number is an unsigned long: high bits are not ignored
    assertThat(checkExtension(p, i, (1L << 32) | VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(checkExtension(p, i, VFIO_DMA_CC_IOMMU)).isEqualTo(Errno.ENODEV.negative());
    int g = openGroup(p, ROOT_GROUP);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(checkExtension(p, i, VFIO_DMA_CC_IOMMU)).isEqualTo(1);
  }

  @Test
  void setIommuOnAnIommufd() {
    int fresh = openIommufd(p);
    assertThat(setIommu(p, fresh, VFIO_TYPE1v2_IOMMU)).isEqualTo(Errno.ENODEV.negative());
    assertThat(setIommu(p, fresh, VFIO_TYPE1_IOMMU)).isEqualTo(Errno.ENODEV.negative());
    // the type is checked first
    assertThat(setIommu(p, fresh, VFIO_SPAPR_TCE_IOMMU)).isEqualTo(Errno.EINVAL.negative());

    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(setIommu(p, i, VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(setIommu(p, i, VFIO_TYPE1v2_IOMMU)).isZero(); // not rejected, unlike a container
    assertThat(setIommu(p, i, VFIO_TYPE1_IOMMU)).isZero();
    for (long bad : new long[] {0, 2, 4, 6, 8, 9, 99, (1L << 32) | VFIO_TYPE1v2_IOMMU}) {
      assertThat(setIommu(p, i, bad)).as("type %d", bad).isEqualTo(Errno.EINVAL.negative());
    }
  }

  @Test
  void getDeviceFdBindsAndAutoAttachesToTheCompatIoas() {
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    // no SET_IOMMU needed on this path
    int dev = getDeviceFd(p, g, ROOT);
    assertThat(dev).isEqualTo(5);
    VfioDevice d = host.device(ROOT).orElseThrow();
    assertThat(d.cdevOpened()).isFalse();
    assertThat(d.openCount()).isEqualTo(1);
    IommufdDevice binding = d.iommufdBinding();
    assertThat(binding).isNotNull();
    assertThat(binding.context()).isSameAs(ictx(i));
    int ioasId = vfioIoasId(p, i, IOMMU_VFIO_IOAS_GET, 0);
    assertThat(ioasId).isEqualTo(1);
    assertThat(binding.id()).isEqualTo(2);
    assertThat(binding.hwpt()).isNotNull();
    assertThat(binding.hwpt().ioas().id()).isEqualTo(ioasId);
    assertThat(ictx(i).objects())
        .extracting(IommufdObject::kind)
        .containsExactly("ioas", "device", "hwpt_paging");
    assertThat(d.iommuGroup().owner()).isSameAs(ictx(i));

    // a second open of the same device does not bind again
    int dev2 = getDeviceFd(p, g, ROOT);
    assertThat(d.openCount()).isEqualTo(2);
    assertThat(ictx(i).objects()).hasSize(3);
    assertThat(p.close(dev)).isZero();
    assertThat(p.close(dev2)).isZero();
    assertThat(d.iommufdBinding()).isNull();
    assertThat(ictx(i).objects()).extracting(IommufdObject::kind).containsExactly("ioas");
    assertThat(d.iommuGroup().claimed()).isFalse();
  }

  @Test
  void getDeviceFdAfterTheCompatIoasWasClearedIsEnodevAndUndoesTheOpen() {
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_CLEAR, 0)).isGreaterThanOrEqualTo(0);
    assertThat(getDeviceFd(p, g, ROOT)).isEqualTo(Errno.ENODEV.negative());
    VfioDevice d = host.device(ROOT).orElseThrow();
    assertThat(d.openCount()).isZero();
    assertThat(d.iommufdBinding()).isNull();
    assertThat(d.iommuGroup().claimed()).isFalse();
    assertThat(p.openFds()).containsExactly(0, 1, 2, g, i);
    // the IOAS is still there and can be chosen again
    assertThat(ictx(i).objects()).extracting(IommufdObject::kind).containsExactly("ioas");
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_SET, 1)).isEqualTo(1);
    assertThat(getDeviceFd(p, g, ROOT)).isEqualTo(5);
  }

  @Test
  void aFailedCompatAttachDoesNotResetAnOpenSibling() {
    int g = openGroup(p, PAIR_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(getDeviceFd(p, g, PAIR_A)).isGreaterThanOrEqualTo(0);
    VfioDevice a = host.device(PAIR_A).orElseThrow();
    VfioDevice b = host.device(PAIR_B).orElseThrow();
    int resetsBefore = a.resets();
    assertThat(vfioIoasId(p, i, IOMMU_VFIO_IOAS_CLEAR, 0)).isGreaterThanOrEqualTo(0);
    assertThat(getDeviceFd(p, g, PAIR_B)).isEqualTo(Errno.ENODEV.negative());
    // B's close ran while B still counted as open: with A open too, no bus reset
    assertThat(a.resets()).isEqualTo(resetsBefore);
    assertThat(b.needsReset()).isTrue();
    assertThat(b.openCount()).isZero();
    assertThat(a.openCount()).isEqualTo(1);
    assertThat(a.iommufdBinding().hwpt()).isNotNull();
  }

  @Test
  void twoDevicesOfOneGroupBindToTheSameContext() {
    int g = openGroup(p, PAIR_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    int a = getDeviceFd(p, g, PAIR_A);
    int b = getDeviceFd(p, g, PAIR_B);
    assertThat(a).isGreaterThanOrEqualTo(0);
    assertThat(b).isGreaterThanOrEqualTo(0);
    IommufdDevice da = host.device(PAIR_A).orElseThrow().iommufdBinding();
    IommufdDevice db = host.device(PAIR_B).orElseThrow().iommufdBinding();
    assertThat(da.id()).isNotEqualTo(db.id());
    assertThat(da.hwpt()).isSameAs(db.hwpt());
    List<String> kinds = ictx(i).objects().stream().map(IommufdObject::kind).toList();
    assertThat(kinds).containsExactly("ioas", "device", "hwpt_paging", "device");
  }

  @Test
  void compatMapWorksOnceADeviceIsAttached() {
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    assertThat(setIommu(p, i, VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(getDeviceFd(p, g, ROOT)).isGreaterThanOrEqualTo(0);
    MemorySegment mem = p.memory().map(0x4000);
    int rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
    assertThat(
            p.ioctl(
                i, VfioIoctls.VFIO_IOMMU_MAP_DMA, dmaMap(32, rw, mem.address(), 0x100000, 0x4000)))
        .isZero();
    MemorySegment unmap = dmaUnmap(24, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0);
    assertThat(p.ioctl(i, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, unmap)).isZero();
    assertThat(io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap.SIZE.get(unmap)).isEqualTo(0x4000);
    assertThat(
            p.ioctl(
                i,
                VfioIoctls.VFIO_IOMMU_UNMAP_DMA,
                dmaUnmap(24, VFIO_DMA_UNMAP_FLAG_ALL, 0x1000, 0)))
        .isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void compatDmaIoctlsWithoutACompatIoasAreEnodev() {
    int i = openIommufd(p);
    MemorySegment mem = p.memory().map(0x1000);
    assertThat(
            p.ioctl(
                i,
                VfioIoctls.VFIO_IOMMU_MAP_DMA,
                dmaMap(32, VFIO_DMA_MAP_FLAG_READ, mem.address(), 0, 0x1000)))
        .isEqualTo(Errno.ENODEV.negative());
    assertThat(p.ioctl(i, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, dmaUnmap(24, 0, 0, 0x1000)))
        .isEqualTo(Errno.ENODEV.negative());
  }

  @Test
  void closingTheGroupFdKeepsTheDeviceBoundAndLetsTheGroupOpenAgain() {
    int g = openGroup(p, ROOT_GROUP);
    int i = openIommufd(p);
    assertThat(setContainer(p, g, i)).isZero();
    int dev = getDeviceFd(p, g, ROOT);
    assertThat(p.close(g)).isZero();
    assertThat(p.close(i)).isZero();
    VfioDevice d = host.device(ROOT).orElseThrow();
    assertThat(d.iommufdBinding()).isNotNull();
    assertThat(p.ioctl(dev, VfioIoctls.VFIO_DEVICE_GET_INFO, deviceInfo())).isZero();
    HostProcess other = host.process("other");
    int g2 = openGroup(other, ROOT_GROUP);
    assertThat(g2).isEqualTo(3);
    assertThat(groupFlags(other, g2)).isZero(); // the old binding still owns the DMA
    assertThat(p.close(dev)).isZero();
    assertThat(groupFlags(other, g2)).isEqualTo(VFIO_GROUP_FLAGS_VIABLE);
  }
}
