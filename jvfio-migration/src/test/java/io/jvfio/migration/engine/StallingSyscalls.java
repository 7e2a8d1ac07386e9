package io.jvfio.migration.engine;

import static io.jvfio.uapi.vfio.VfioConstants.VFIO_DEVICE_FEATURE_MASK;
import static io.jvfio.uapi.vfio.VfioConstants.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
import static io.jvfio.uapi.vfio.VfioConstants.VFIO_DEVICE_FEATURE_SET;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.ForwardingSyscalls;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A device's calls reach the emulated host, except that its saving fd never gets data once the
 * device has been SET into {@code stallIn}: the way a real driver (mlx5) behaves while its save
 * command runs, here forever. With O_NONBLOCK set a read answers EAGAIN and poll never says POLLIN;
 * without it a read blocks, as the kernel's would, until the thread is interrupted.
 */
final class StallingSyscalls implements ForwardingSyscalls {
  @Override
  public Syscalls delegate() {
    return real;
  }

  private final Syscalls real;
  private final MigrationState stallIn;

  /** Device fd to the data fd its last session opened. */
  private final Map<Integer, Integer> sessionOf = new ConcurrentHashMap<>();

  private final Set<Integer> stalled = ConcurrentHashMap.newKeySet();

  StallingSyscalls(Syscalls real, MigrationState stallIn) {
    this.real = real;
    this.stallIn = stallIn;
  }

  @Override
  public int ioctl(int fd, long request, MemorySegment arg) {
    int r = real.ioctl(fd, request, arg);
    if (r == 0 && request == VfioIoctls.VFIO_DEVICE_FEATURE) {
      int flags = VfioDeviceFeature.FLAGS.get(arg);
      boolean setState =
          (flags & VFIO_DEVICE_FEATURE_SET) != 0
              && (flags & VFIO_DEVICE_FEATURE_MASK) == VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
      if (setState) {
        MemorySegment p = arg.asSlice(VfioDeviceFeature.DATA_OFFSET);
        int dataFd = VfioDeviceFeatureMigState.DATA_FD.get(p);
        if (dataFd >= 0) {
          sessionOf.put(fd, dataFd);
        }
        long state = VfioDeviceFeatureMigState.DEVICE_STATE.getUnsigned(p);
        Integer session = sessionOf.get(fd);
        if (session != null && state == stallIn.value()) {
          stalled.add(session);
        }
      }
    }
    return r;
  }

  @Override
  public long read(int fd, MemorySegment buf) {
    if (!stalled.contains(fd)) {
      return real.read(fd, buf);
    }
    int fl = real.fcntl(fd, PollBits.F_GETFL, 0);
    if (fl >= 0 && (fl & OpenFlags.O_NONBLOCK) != 0) {
      return Errno.EAGAIN.negative();
    }
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Errno.EINTR.negative();
  }

  @Override
  public int poll(int fd, int events) {
    return stalled.contains(fd) ? 0 : real.poll(fd, events);
  }

  @Override
  public int close(int fd) {
    stalled.remove(fd);
    return real.close(fd);
  }
}
