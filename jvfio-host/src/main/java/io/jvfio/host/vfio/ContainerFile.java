package io.jvfio.host.vfio;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.kernel.UserArg;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.util.ArrayList;
import java.util.List;

/**
 * A legacy VFIO container ({@code /dev/vfio/vfio}): groups join it, one IOMMU driver (type1) is set
 * once, and the driver's ioctls are reached through it. It outlives its fd while groups use it.
 */
public final class ContainerFile extends OpenFile {
  private final List<VfioGroup> groups = new ArrayList<>();
  private volatile Type1Iommu iommu;

  public ContainerFile() {
    super(true, true);
  }

  @Override
  public String describe() {
    return "/dev/vfio/vfio";
  }

  /** The IOMMU driver instance, or null before VFIO_SET_IOMMU. */
  public Type1Iommu iommu() {
    return iommu;
  }

  public List<VfioGroup> groups() {
    return List.copyOf(groups);
  }

  @Override
  public int ioctl(long request, UserArg arg) {
    if (request == VfioIoctls.VFIO_GET_API_VERSION) {
      return VFIO_API_VERSION;
    }
    if (request == VfioIoctls.VFIO_CHECK_EXTENSION) {
      return iommu != null
          ? iommu.checkExtension(arg.word())
          : Type1Iommu.probeExtension(arg.word());
    }
    if (request == VfioIoctls.VFIO_SET_IOMMU) {
      KernelError.check(!groups.isEmpty() && iommu == null, Errno.EINVAL);
      long type = arg.word();
      if (Type1Iommu.probeExtension(type) <= 0) {
        throw new KernelError(Errno.ENODEV, "no IOMMU driver for type " + type);
      }
      // type1 claims VFIO_UNMAP_ALL too, but its open accepts only the two IOMMU types
      KernelError.check(type == VFIO_TYPE1_IOMMU || type == VFIO_TYPE1v2_IOMMU, Errno.EINVAL);
      iommu = new Type1Iommu(type == VFIO_TYPE1v2_IOMMU);
      return 0;
    }
    KernelError.check(iommu != null, Errno.EINVAL);
    return iommu.ioctl(request, arg);
  }

  /** A group joins (VFIO_GROUP_SET_CONTAINER): it claims the whole IOMMU group's DMA. */
  void attach(VfioGroup group) {
    group.iommuGroup().claimGroup(this);
    groups.add(group);
    get();
  }

  /** A group leaves; the last one takes the IOMMU driver and its mappings with it. */
  void detach(VfioGroup group) {
    groups.remove(group);
    group.iommuGroup().releaseGroup(this);
    if (groups.isEmpty()) {
      iommu = null;
    }
    put();
  }
}
