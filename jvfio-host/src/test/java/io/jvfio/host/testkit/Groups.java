package io.jvfio.host.testkit;

import static io.jvfio.host.testkit.Kit.RDWR;
import static io.jvfio.host.testkit.Kit.alloc;
import static io.jvfio.host.testkit.Kit.cstr;
import static io.jvfio.host.testkit.Kit.intArg;
import static io.jvfio.host.testkit.Kit.openOk;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.HostProcess;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioIommuType1DmaMap;
import io.jvfio.uapi.vfio.VfioIommuType1DmaUnmap;
import java.lang.foreign.MemorySegment;

/** The legacy path: group nodes, the container, type1 DMA structs, device fds from a group. */
public final class Groups {
  private Groups() {}

  public static String groupPath(int group) {
    return "/dev/vfio/" + group;
  }

  /** open(2) of the group node: the fd or -errno. */
  public static int openGroup(HostProcess p, int group) {
    return p.open(groupPath(group), RDWR);
  }

  public static int openGroupOk(HostProcess p, int group) {
    int fd = openGroup(p, group);
    assertThat(fd).as("open group %d", group).isGreaterThanOrEqualTo(0);
    return fd;
  }

  /** open(2) of /dev/vfio/vfio: the fd or -errno. */
  public static int openContainer(HostProcess p) {
    return p.open("/dev/vfio/vfio", RDWR);
  }

  public static int openContainerOk(HostProcess p) {
    return openOk(p, "/dev/vfio/vfio");
  }

  public static int setContainer(HostProcess p, int groupFd, int containerFd) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_SET_CONTAINER, intArg(containerFd));
  }

  public static int unsetContainer(HostProcess p, int groupFd) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_UNSET_CONTAINER, 0L);
  }

  public static int setIommu(HostProcess p, int containerFd, long type) {
    return p.ioctl(containerFd, VfioIoctls.VFIO_SET_IOMMU, type);
  }

  public static int checkExtension(HostProcess p, int fd, long ext) {
    return p.ioctl(fd, VfioIoctls.VFIO_CHECK_EXTENSION, ext);
  }

  /** VFIO_GROUP_GET_DEVICE_FD: the device fd or -errno. */
  public static int getDeviceFd(HostProcess p, int groupFd, String name) {
    return p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, cstr(name));
  }

  /** A VFIO_GROUP_GET_STATUS argument: argsz = sizeof, flags zero. */
  public static MemorySegment statusArg() {
    MemorySegment s = alloc(VfioGroupStatus.SIZEOF);
    VfioGroupStatus.ARGSZ.set(s, (int) VfioGroupStatus.SIZEOF);
    return s;
  }

  /** GET_STATUS flags, or the negative errno. */
  public static int groupFlags(HostProcess p, int groupFd) {
    MemorySegment s = statusArg();
    int rc = p.ioctl(groupFd, VfioIoctls.VFIO_GROUP_GET_STATUS, s);
    return rc < 0 ? rc : VfioGroupStatus.FLAGS.get(s);
  }

  /** A group of the default host in a fresh type1 container: the fds of both. */
  public record Legacy(int group, int container) {}

  public static Legacy legacy(HostProcess p, int group, int type) {
    int g = openGroup(p, group);
    assertThat(g).isGreaterThanOrEqualTo(0);
    int c = openContainer(p);
    assertThat(c).isGreaterThanOrEqualTo(0);
    assertThat(setContainer(p, g, c)).isZero();
    assertThat(setIommu(p, c, type)).isZero();
    return new Legacy(g, c);
  }

  /** A device opened through its group: the group fd, the container or iommufd, the device fd. */
  public record GroupDevice(int group, int container, int device) {}

  /** Opens {@code group} in {@code container} (a type1v2 container set up here when new). */
  public static GroupDevice legacy(HostProcess p, int group, int container, String bdf) {
    int g = openGroupOk(p, group);
    assertThat(setContainer(p, g, container)).as("SET_CONTAINER").isZero();
    // the first group makes the container usable; later ones join the set IOMMU
    setIommu(p, container, VfioConstants.VFIO_TYPE1v2_IOMMU);
    int d = getDeviceFd(p, g, bdf);
    assertThat(d).as("GET_DEVICE_FD %s", bdf).isGreaterThanOrEqualTo(0);
    return new GroupDevice(g, container, d);
  }

  /** Opens {@code group} in a new type1v2 container and gets {@code bdf}'s device fd. */
  public static GroupDevice legacy(HostProcess p, int group, String bdf) {
    return legacy(p, group, openContainerOk(p), bdf);
  }

  /** Opens {@code group} with {@code iommufd} as its container (compat) and gets the device. */
  public static GroupDevice compat(HostProcess p, int group, int iommufd, String bdf) {
    int g = openGroupOk(p, group);
    assertThat(setContainer(p, g, iommufd)).as("SET_CONTAINER(iommufd)").isZero();
    int d = getDeviceFd(p, g, bdf);
    assertThat(d).as("GET_DEVICE_FD %s", bdf).isGreaterThanOrEqualTo(0);
    return new GroupDevice(g, iommufd, d);
  }

  public static MemorySegment dmaMap(int argsz, int flags, long vaddr, long iova, long size) {
    MemorySegment s = alloc(VfioIommuType1DmaMap.SIZEOF);
    VfioIommuType1DmaMap.ARGSZ.set(s, argsz);
    VfioIommuType1DmaMap.FLAGS.set(s, flags);
    VfioIommuType1DmaMap.VADDR.set(s, vaddr);
    VfioIommuType1DmaMap.IOVA.set(s, iova);
    VfioIommuType1DmaMap.SIZE.set(s, size);
    return s;
  }

  public static MemorySegment dmaUnmap(int argsz, int flags, long iova, long size) {
    MemorySegment s = alloc(VfioIommuType1DmaUnmap.SIZEOF);
    VfioIommuType1DmaUnmap.ARGSZ.set(s, argsz);
    VfioIommuType1DmaUnmap.FLAGS.set(s, flags);
    VfioIommuType1DmaUnmap.IOVA.set(s, iova);
    VfioIommuType1DmaUnmap.SIZE.set(s, size);
    return s;
  }
}
