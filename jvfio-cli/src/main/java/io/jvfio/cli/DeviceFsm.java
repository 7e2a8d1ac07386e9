package io.jvfio.cli;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import io.jvfio.client.DeviceNode;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.PollBits;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives one vfio device, as user space sees it, through every (from, to) pair of the states its
 * migration flags give: each pair starts from a reset (which must leave it RUNNING), reaches {@code
 * from} with one SET (RESUMING is fed the device's own image, so that leaving it meets a whole
 * stream), then asks for {@code to} and records the answer, the state a GET reads afterwards and
 * whether a data fd came back. ERROR cannot be asked for as a starting point, so it is skipped as a
 * {@code from}. Only the uAPI is used, so the same run works on the emulator and on Linux.
 */
final class DeviceFsm {
  /** A saved image longer than this is not one to hold in memory here. */
  private static final int MAX_IMAGE = 256 << 20;

  /**
   * How long the device's own image may take to read: fsm has no deadline option, and a real
   * driver's read can wait for the device (mlx5's waits for its save command).
   */
  static final long IMAGE_WAIT_MS = 60_000;

  /**
   * One pair: {@code ret} the SET's answer, {@code state} what GET read afterwards (null when GET
   * failed: {@code stateErrno} says how), {@code dataFd} whether the SET gave one; {@code skipped}
   * says why the pair was not asked (then the rest is absent).
   */
  record Pair(
      MigrationState from,
      MigrationState to,
      Integer ret,
      MigrationState state,
      String stateErrno,
      Boolean dataFd,
      String skipped) {
    boolean ok() {
      return ret != null && ret >= 0;
    }

    String errnoName() {
      return ret == null ? null : errno(ret);
    }
  }

  /** The device's migration flags and every pair. */
  record Result(long flags, List<Pair> pairs) {}

  private final Syscalls sys;
  private final int fd;
  private final List<Integer> dataFds = new ArrayList<>();

  private DeviceFsm(Syscalls sys, int fd) {
    this.sys = sys;
    this.fd = fd;
  }

  /** GET of VFIO_DEVICE_FEATURE_MIGRATION on an open device: its flags, or {@code -errno}. */
  static long flags(Syscalls sys, int deviceFd) {
    MemorySegment s = header(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION);
    int r = sys.ioctl(deviceFd, VfioIoctls.VFIO_DEVICE_FEATURE, s);
    return r < 0
        ? r
        : VfioDeviceFeatureMigration.FLAGS.get(s.asSlice(VfioDeviceFeature.DATA_OFFSET));
  }

  /**
   * Runs every pair on the open device {@code deviceFd} of {@code node}, whose migration flags are
   * {@code flags}; the device is reset at the end.
   */
  static Result run(Syscalls sys, DeviceNode node, int deviceFd, long flags) {
    DeviceFsm f = new DeviceFsm(sys, deviceFd);
    List<MigrationState> states = new ArrayList<>(FsmExplorer.statesWithError(flags));
    byte[] image = f.ownImage(node);
    List<Pair> pairs = new ArrayList<>();
    for (MigrationState from : states) {
      for (MigrationState to : states) {
        try {
          pairs.add(f.pair(from, to, image));
        } finally {
          f.closeDataFds();
        }
      }
    }
    f.reset("after the last pair");
    return new Result(flags, pairs);
  }

  private Pair pair(MigrationState from, MigrationState to, byte[] image) {
    if (from == MigrationState.ERROR) {
      return skipped(from, to, "a device enters ERROR only when its driver fails an arc");
    }
    String notRunning = reset("before the pair");
    if (notRunning != null) {
      return skipped(from, to, notRunning);
    }
    if (from != MigrationState.RUNNING) {
      Set s = set(from);
      if (s.ret < 0) {
        return skipped(from, to, "could not reach " + from + ": SET answered " + errno(s.ret));
      }
      if (from == MigrationState.RESUMING) {
        String why = resume(s, image);
        if (why != null) {
          return skipped(from, to, why);
        }
      }
      closeDataFds();
    }
    Set s = set(to);
    int r = state();
    return new Pair(
        from,
        to,
        s.ret,
        r < 0 ? null : MigrationState.of(r).orElse(null),
        r < 0 ? errno(r) : null,
        s.ret >= 0 && s.fd >= 0,
        null);
  }

  private static Pair skipped(MigrationState from, MigrationState to, String why) {
    return new Pair(from, to, null, null, null, null, why);
  }

  /** Writes the device's own image into the resuming fd; null when it all went in. */
  private String resume(Set s, byte[] image) {
    if (image == null) {
      return "no image of the device's own to resume with (RUNNING to STOP_COPY gave none)";
    }
    if (s.fd < 0) {
      return "entering RESUMING gave no data fd";
    }
    long done = 0;
    while (done < image.length) {
      long n = sys.write(s.fd, MemorySegment.ofArray(image).asSlice(done));
      if (n <= 0) {
        return "the resuming fd took "
            + done
            + " of the device's own "
            + image.length
            + " bytes"
            + (n < 0 ? ", then answered " + errno(n) : "");
      }
      done += n;
    }
    return null;
  }

  /** Whether a read of {@code fd} returns now: POLLIN, or an error the read then reports. */
  private boolean readable(int fd) {
    int r = sys.poll(fd, PollBits.POLLIN);
    return r < 0 || PollBits.readWontWait(r);
  }

  /**
   * The device's saved state, from RUNNING through STOP_COPY, or null when it cannot be had; it is
   * what RESUMING is fed, since a device accepts its own image.
   */
  private byte[] ownImage(DeviceNode node) {
    if (reset("to save the device's own image") != null) {
      return null;
    }
    Set s = set(MigrationState.STOP_COPY);
    if (s.ret < 0 || s.fd < 0) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 << 10];
    MemorySegment buf = MemorySegment.ofArray(chunk);
    StateStream.Deadline deadline =
        StateStream.Deadline.after(IMAGE_WAIT_MS, IMAGE_WAIT_MS / 1000 + " s for the image");
    try {
      while (true) {
        deadline.awaitReadable(() -> readable(s.fd), "reading " + node.name() + "'s saving fd");
        long n = sys.read(s.fd, buf);
        if (n < 0) {
          throw new CommandFailure(
              "reading " + node.name() + "'s saving fd failed with " + Errno.describe(n), errno(n));
        }
        if (n == 0) {
          return out.toByteArray();
        }
        out.write(chunk, 0, (int) n);
        if (out.size() > MAX_IMAGE) {
          throw new CommandFailure(
              node.name() + "'s saving fd gave more than " + MAX_IMAGE + " bytes without an end",
              null);
        }
      }
    } finally {
      closeDataFds();
    }
  }

  /** VFIO_DEVICE_RESET, then GET: null when the device reads RUNNING, else what went wrong. */
  private String reset(String when) {
    int r = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_RESET, 0L);
    if (r < 0) {
      return "VFIO_DEVICE_RESET " + when + " answered " + errno(r);
    }
    int s = state();
    if (s != MigrationState.RUNNING.value()) {
      return "after VFIO_DEVICE_RESET "
          + when
          + " the device reads "
          + (s < 0 ? "nothing (GET answered " + errno(s) + ")" : stateName(s))
          + ", not RUNNING";
    }
    return null;
  }

  private record Set(int ret, int fd) {}

  private Set set(MigrationState to) {
    MemorySegment s = header(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    MemorySegment payload = s.asSlice(VfioDeviceFeature.DATA_OFFSET);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(payload, to.value());
    VfioDeviceFeatureMigState.DATA_FD.set(payload, -1);
    int r = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_FEATURE, s);
    int dataFd = r < 0 ? -1 : VfioDeviceFeatureMigState.DATA_FD.get(payload);
    if (dataFd >= 0) {
      dataFds.add(dataFd);
    }
    return new Set(r, dataFd);
  }

  /** GET of the migration state: its value, or {@code -errno}. */
  private int state() {
    MemorySegment s = header(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    int r = sys.ioctl(fd, VfioIoctls.VFIO_DEVICE_FEATURE, s);
    return r < 0
        ? r
        : VfioDeviceFeatureMigState.DEVICE_STATE.get(s.asSlice(VfioDeviceFeature.DATA_OFFSET));
  }

  private void closeDataFds() {
    dataFds.forEach(sys::close);
    dataFds.clear();
  }

  /** A VFIO_DEVICE_FEATURE argument with an 8-byte payload (both payloads here are 8 bytes). */
  private static MemorySegment header(int flags) {
    MemorySegment s = MemorySegment.ofArray(new byte[(int) VfioDeviceFeature.DATA_OFFSET + 8]);
    VfioDeviceFeature.ARGSZ.set(s, (int) s.byteSize());
    VfioDeviceFeature.FLAGS.set(s, flags);
    return s;
  }

  private static String stateName(int v) {
    return MigrationState.of(v).map(Enum::name).orElse("state " + Integer.toUnsignedString(v));
  }

  static String errno(long ret) {
    return Errno.of(ret).map(Enum::name).orElse("errno " + Math.abs(ret));
  }
}
