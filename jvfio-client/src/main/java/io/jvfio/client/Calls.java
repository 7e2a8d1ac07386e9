package io.jvfio.client;

import io.jvfio.uapi.Errno;
import java.util.Map;

/** Turns syscall results into values or {@link VfioException}s with a sentence for the errno. */
final class Calls {
  private static final Map<Errno, String> HINTS =
      Map.ofEntries(
          Map.entry(
              Errno.EBUSY,
              "the device or group is in use (another user, or the other VFIO interface)"),
          Map.entry(
              Errno.EPERM,
              "the IOMMU group is owned by someone else (another iommufd, a container or a host driver)"),
          Map.entry(Errno.ENOTTY, "the device or kernel does not support this"),
          Map.entry(Errno.ENODEV, "no such device, or the operation does not apply to it"),
          Map.entry(Errno.EBADF, "a file descriptor was not open"),
          Map.entry(Errno.EFAULT, "memory passed to the kernel was not mapped"),
          Map.entry(
              Errno.EINVAL,
              "the kernel rejected the request in this state or with these arguments"),
          Map.entry(Errno.ENOENT, "no such object"),
          Map.entry(Errno.ENOMSG, "no data available right now"),
          Map.entry(Errno.EEXIST, "it already exists (for example, an IOVA range already mapped)"),
          Map.entry(Errno.ENOSPC, "no room left (for example, no free IOVA range that size)"),
          Map.entry(Errno.EIO, "the device failed (a device in ERROR needs a reset)"),
          Map.entry(Errno.EOPNOTSUPP, "the kernel does not support this flag or option"));

  private Calls() {}

  static long check(long ret, String call) {
    if (ret < 0) {
      throw new VfioException(
          ret, call, Errno.of(ret).map(e -> HINTS.getOrDefault(e, "")).orElse(""));
    }
    return ret;
  }

  static int check(int ret, String call) {
    return (int) check((long) ret, call);
  }
}
