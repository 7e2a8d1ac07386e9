package io.jvfio.host.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.iommufd.IommuVfioIoas;
import io.jvfio.uapi.iommufd.IommufdIoctls;
import io.jvfio.uapi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioIommuType1DmaMap;
import io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Byte-level helpers for the legacy group/container tests: structs built as a VMM builds them. */
final class Vfio {
  static final int RDWR = OpenFlags.O_RDWR;
  static final ValueLayout.OfInt S32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Groups of the default host (device -> IOMMU group). */
  static final int ROOT_GROUP = 1; // 0000:00:02.0

  static final int SLOT_GROUP = 3; // 0000:01:00.0
  static final int BUS_A_GROUP = 5; // 0000:02:00.0
  static final int BUS_B_GROUP = 6; // 0000:02:01.0
  static final int PAIR_GROUP = 8; // 0000:03:00.0 and 0000:03:00.1

  static final String ROOT_DEV = DefaultHost.ROOT_BUS_DEVICE;
  static final String PAIR_A = DefaultHost.GROUP_PAIR_A;
  static final String PAIR_B = DefaultHost.GROUP_PAIR_B;

  private Vfio() {}

  static Host host() {
    return new Host(DefaultHost.topology());
  }

  static MemorySegment alloc(long size) {
    return Arena.ofAuto().allocate(size, 8);
  }

  /** A 4-byte segment holding {@code fd} (VFIO_GROUP_SET_CONTAINER's argument). */
  static MemorySegment intArg(int fd) {
    MemorySegment s = alloc(4);
    s.set(S32, 0, fd);
    return s;
  }

  /** A NUL-terminated C string. */
  static MemorySegment cstr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    MemorySegment seg = alloc(b.length + 1);
    MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
    return seg;
  }

  static String groupPath(int group) {
    return "/dev/vfio/" + group;
  }

  static int openGroup(HostProcess p, int group) {
    return p.open(groupPath(group), RDWR);
  }

  static int openContainer(HostProcess p) {
    return p.open("/dev/vfio/vfio", RDWR);
  }

  static int openIommufd(HostProcess p) {
    return p.open("/dev/iommu", RDWR);
  }

  static int setContainer(HostProcess p, int groupFd, int containerFd) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(containerFd));
  }

  static int unsetContainer(HostProcess p, int groupFd) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_UNSET_CONTAINER, 0L);
  }

  static int setIommu(HostProcess p, int containerFd, long type) {
    return p.ioctl(containerFd, VfioIoctls.VFIO_SET_IOMMU, type);
  }

  static int checkExtension(HostProcess p, int fd, long ext) {
    return p.ioctl(fd, VfioIoctls.VFIO_CHECK_EXTENSION, ext);
  }

  static int getDeviceFd(HostProcess p, int groupFd, String name) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, cstr(name));
  }

  /** GET_STATUS flags, or the negative errno. */
  static int groupFlags(HostProcess p, int groupFd) {
    MemorySegment s = alloc(VfioGroupStatus.SIZEOF);
    VfioGroupStatus.ARGSZ.set(s, (int) VfioGroupStatus.SIZEOF);
    int rc = p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_GET_STATUS, s);
    return rc < 0 ? rc : VfioGroupStatus.FLAGS.get(s);
  }

  /** A group of the default host in a fresh type1 container: the fds of both. */
  record Legacy(int group, int container) {}

  static Legacy legacy(HostProcess p, int group, int type) {
    int g = openGroup(p, group);
    assertThat(g).isGreaterThanOrEqualTo(0);
    int c = openContainer(p);
    assertThat(c).isGreaterThanOrEqualTo(0);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, type)).isZero();
    return new Legacy(g, c);
  }

  static MemorySegment dmaMap(int argsz, int flags, long vaddr, long iova, long size) {
    MemorySegment s = alloc(VfioIommuType1DmaMap.SIZEOF);
    VfioIommuType1DmaMap.ARGSZ.set(s, argsz);
    VfioIommuType1DmaMap.FLAGS.set(s, flags);
    VfioIommuType1DmaMap.VADDR.set(s, vaddr);
    VfioIommuType1DmaMap.IOVA.set(s, iova);
    VfioIommuType1DmaMap.SIZE.set(s, size);
    return s;
  }

  static MemorySegment dmaUnmap(int argsz, int flags, long iova, long size) {
    MemorySegment s = alloc(VfioIommuType1DmaUnmap.SIZEOF);
    VfioIommuType1DmaUnmap.ARGSZ.set(s, argsz);
    VfioIommuType1DmaUnmap.FLAGS.set(s, flags);
    VfioIommuType1DmaUnmap.IOVA.set(s, iova);
    VfioIommuType1DmaUnmap.SIZE.set(s, size);
    return s;
  }

  static MemorySegment bindArg(int iommufd) {
    MemorySegment s = alloc(VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.ARGSZ.set(s, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
    return s;
  }

  static int bind(HostProcess p, int deviceFd, int iommufd) {
    return p.ioctl(deviceFd, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, bindArg(iommufd));
  }

  static MemorySegment attachArg(int ptId) {
    MemorySegment s = alloc(VfioDeviceAttachIommufdPt.SIZEOF);
    VfioDeviceAttachIommufdPt.ARGSZ.set(s, (int) VfioDeviceAttachIommufdPt.SIZEOF);
    VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
    return s;
  }

  static MemorySegment detachArg() {
    MemorySegment s = alloc(VfioDeviceDetachIommufdPt.SIZEOF);
    VfioDeviceDetachIommufdPt.ARGSZ.set(s, (int) VfioDeviceDetachIommufdPt.SIZEOF);
    return s;
  }

  static MemorySegment deviceInfo() {
    MemorySegment s = alloc(VfioDeviceInfo.SIZEOF);
    VfioDeviceInfo.ARGSZ.set(s, (int) VfioDeviceInfo.SIZEOF);
    return s;
  }

  /** IOMMU_VFIO_IOAS: the op's result (GET: the ioas id) or the negative errno. */
  static int vfioIoas(HostProcess p, int iommufd, int op, int ioasId) {
    MemorySegment s = alloc(IommuVfioIoas.SIZEOF);
    IommuVfioIoas.SIZE.set(s, (int) IommuVfioIoas.SIZEOF);
    IommuVfioIoas.IOAS_ID.set(s, ioasId);
    IommuVfioIoas.OP.set(s, op);
    int rc = p.ioctl(iommufd, IommufdIoctls.IOMMU_VFIO_IOAS, s);
    return rc < 0 ? rc : IommuVfioIoas.IOAS_ID.get(s);
  }
}
