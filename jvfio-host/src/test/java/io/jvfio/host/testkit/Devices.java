package io.jvfio.host.testkit;

import static io.jvfio.host.testkit.Kit.buf;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.vfio.VfioDeviceInfo;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** A host's vfio devices, and the device-fd ioctls every way of opening a device shares. */
public final class Devices {
  private Devices() {}

  public static VfioDevice device(Host host, String bdf) {
    return host.device(bdf).orElseThrow();
  }

  public static String cdev(Host host, String bdf) {
    return device(host, bdf).cdevPath();
  }

  /** The devid {@code bdf} has in whatever iommufd it is bound to (for expected values). */
  public static int devidOf(Host host, String bdf) {
    return device(host, bdf).iommufdBinding().id();
  }

  /** The reset counts of {@code bdfs}, in order. */
  public static List<Integer> resets(Host host, String... bdfs) {
    List<Integer> r = new ArrayList<>();
    for (String b : bdfs) {
      r.add(device(host, b).resets());
    }
    return r;
  }

  /** A VFIO_DEVICE_GET_INFO argument: argsz = sizeof, the rest zero. */
  public static MemorySegment deviceInfo() {
    MemorySegment s = buf(VfioDeviceInfo.SIZEOF);
    VfioDeviceInfo.ARGSZ.set(s, (int) VfioDeviceInfo.SIZEOF);
    return s;
  }

  /** VFIO_DEVICE_GET_INFO flags, or -errno. */
  public static int deviceInfoFlags(HostProcess p, int fd) {
    MemorySegment s = deviceInfo();
    int ret = p.ioctl(fd, VfioIoctls.VFIO_DEVICE_GET_INFO, s);
    return ret < 0 ? ret : VfioDeviceInfo.FLAGS.get(s);
  }

  /** VFIO_DEVICE_RESET: 0 or -errno. */
  public static int deviceReset(HostProcess p, int fd) {
    return p.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L);
  }
}
