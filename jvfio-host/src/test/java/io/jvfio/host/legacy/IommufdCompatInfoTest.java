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
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.uapi.vfio.VfioIommuType1Info;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VFIO_IOMMU_GET_INFO and UNMAP_DMA on an iommufd used as a container (vfio_compat.c). The expected
 * bytes are what Linux 6.12 answered in the lab, except the top of the aperture: the lab's emulated
 * VT-d has 39 address bits, the emulated host here 48.
 */
class IommufdCompatInfoTest {
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final byte POISON = (byte) 0xaa;

  private HostProcess p;
  private int group;
  private int iommufd;

  @BeforeEach
  void setUp() {
    Host host = defaultHost();
    p = host.process("vmm");
    group = openGroup(p, ROOT_GROUP);
    iommufd = openIommufd(p);
    assertThat(setContainer(p, group, iommufd)).isZero();
  }

  private MemorySegment info(int argsz, int bufferSize) {
    MemorySegment s = MemorySegment.ofArray(new byte[bufferSize]);
    s.fill(POISON);
    VfioIommuType1Info.ARGSZ.set(s, argsz);
    return s;
  }

  @Test
  void withoutADeviceTheCompatIoasReportsEveryPageSizeAndTheWholeSpace() {
    assertThat(setIommu(p, iommufd, VFIO_TYPE1v2_IOMMU)).isZero();
    MemorySegment s = info(4096, 4096);
    assertThat(p.ioctl(iommufd, VfioIoctls.VFIO_IOMMU_GET_INFO, s)).isZero();
    assertThat(s.get(U32, 0)).as("argsz").isEqualTo(72);
    assertThat(s.get(U32, 4)).as("flags").isEqualTo(3);
    assertThat(s.get(U64, 8)).as("iova_pgsizes").isEqualTo(0xfffffffffffff000L);
    assertThat(s.get(U32, 16)).as("cap_offset").isEqualTo(24);
    // dma_avail at 24: U32_MAX, and its 4 padding bytes are not written
    assertThat(s.get(U16, 24)).isEqualTo((short) VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
    assertThat(s.get(U16, 26)).isEqualTo((short) 1);
    assertThat(s.get(U32, 28)).as("next").isEqualTo(40);
    assertThat(s.get(U32, 32)).isEqualTo(-1);
    assertThat(s.get(U32, 36)).isEqualTo(0xaaaaaaaa);
    // iova ranges at 40: the whole space
    assertThat(s.get(U16, 40)).isEqualTo((short) VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
    assertThat(s.get(U32, 44)).as("next").isZero();
    assertThat(s.get(U32, 48)).as("nr_iovas").isEqualTo(1);
    assertThat(s.get(U64, 56)).isZero();
    assertThat(s.get(U64, 64)).isEqualTo(-1L);
    assertThat(s.get(ValueLayout.JAVA_BYTE, 72)).isEqualTo(POISON);
  }

  @Test
  void withADeviceTheDomainsPageSizesAndTheMsiHoleShow() {
    assertThat(setIommu(p, iommufd, VFIO_TYPE1v2_IOMMU)).isZero();
    assertThat(getDeviceFd(p, group, ROOT)).isGreaterThanOrEqualTo(3);
    MemorySegment s = info(4096, 4096);
    assertThat(p.ioctl(iommufd, VfioIoctls.VFIO_IOMMU_GET_INFO, s)).isZero();
    assertThat(s.get(U32, 0)).as("argsz").isEqualTo(88);
    assertThat(s.get(U64, 8)).isEqualTo(0x40201000L);
    assertThat(s.get(U32, 48)).as("nr_iovas").isEqualTo(2);
    assertThat(s.get(U64, 56)).isZero();
    assertThat(s.get(U64, 64)).isEqualTo(0xfedfffffL);
    assertThat(s.get(U64, 72)).isEqualTo(0xfef00000L);
    assertThat(s.get(U64, 80)).isEqualTo((1L << 48) - 1);
  }

  @Test
  void aShortArgszGetsTheNeededSizeAndNoCaps() {
    MemorySegment s = info(16, 128);
    assertThat(p.ioctl(iommufd, VfioIoctls.VFIO_IOMMU_GET_INFO, s)).isZero();
    assertThat(s.get(U32, 0)).isEqualTo(72);
    assertThat(s.get(U32, 4)).isEqualTo(3);
    assertThat(s.get(U32, 16)).as("cap_offset untouched").isEqualTo(0xaaaaaaaa);
    assertThat(s.get(U32, 24)).as("no cap written").isEqualTo(0xaaaaaaaa);
    assertThat(p.ioctl(iommufd, VfioIoctls.VFIO_IOMMU_GET_INFO, info(15, 128)))
        .isEqualTo(Errno.EINVAL.negative());
  }

  @Test
  void withoutACompatIoasGetInfoIsEnodev() {
    int other = openIommufd(p);
    assertThat(p.ioctl(other, VfioIoctls.VFIO_IOMMU_GET_INFO, info(4096, 4096)))
        .isEqualTo(Errno.ENODEV.negative());
  }

  private long unmap(long iova, long size, int expectedRet) {
    MemorySegment u = dmaUnmap((int) VfioIommuType1DmaUnmap.SIZEOF, 0, iova, size);
    assertThat(p.ioctl(iommufd, VfioIoctls.VFIO_IOMMU_UNMAP_DMA, u)).isEqualTo(expectedRet);
    return VfioIommuType1DmaUnmap.SIZE.get(u);
  }

  private void map2M() {
    MemorySegment ram = p.memory().map(2L << 20);
    MemorySegment m =
        dmaMap(
            32,
            VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
            ram.address(),
            0x100000,
            2L << 20);
    assertThat(p.ioctl(iommufd, VfioIoctls.VFIO_IOMMU_MAP_DMA, m)).isZero();
  }

  @Test
  void typeOneCanUnmapPiecesOfAMapping() {
    assertThat(setIommu(p, iommufd, VFIO_TYPE1_IOMMU)).isZero();
    map2M();
    assertThat(unmap(0x200000, 0x1000, 0)).isEqualTo(0x1000);
    assertThat(unmap(0x100000, 0x1000, 0)).isEqualTo(0x1000);
    assertThat(unmap(0x100000, 2L << 20, 0)).isEqualTo(0x1fe000);
  }

  @Test
  void typeOneV2CannotSplitAndStillWritesTheSizeBack() {
    assertThat(setIommu(p, iommufd, VFIO_TYPE1v2_IOMMU)).isZero();
    map2M();
    assertThat(unmap(0x200000, 0x1000, Errno.ENOENT.negative())).isZero();
    assertThat(unmap(0x10000000, 0x1000, 0)).isZero();
    assertThat(unmap(0x100000, 2L << 20, 0)).isEqualTo(2L << 20);
  }
}
