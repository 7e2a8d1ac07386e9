package io.jvfio.cli;

import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.ForwardingDeviceModel;
import io.jvfio.host.sdk.ForwardingMigrationDriver;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.vfio.MigrationFsm;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioDeviceBindIommufd;
import io.jvfio.uapi.vfio.VfioDeviceFeature;
import io.jvfio.uapi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives a real emulated device (an mtty with the chosen migration flags, behind the fault wrapper)
 * through the syscall layer for every pair of states, ERROR included, and records the arcs its
 * model was asked to carry out.
 */
final class FsmExplorer {
  /** One SET from {@code from} to {@code to}: its arcs, or the errno, and what was written back. */
  record Result(
      MigrationState from,
      MigrationState to,
      int ret,
      List<MigrationState> arcs,
      long writtenState,
      int writtenFd) {
    boolean ok() {
      return ret >= 0;
    }

    String errnoName() {
      return Errno.of(ret).map(Enum::name).orElse("errno " + -ret);
    }
  }

  private FsmExplorer() {}

  /** The states a device with {@code flags} has, then ERROR. */
  static List<MigrationState> statesWithError(long flags) {
    List<MigrationState> states = new ArrayList<>(MigrationFsm.states(flags));
    states.add(MigrationState.ERROR);
    return states;
  }

  static List<Result> explore(long flags) {
    List<Result> results = new ArrayList<>();
    for (MigrationState from : statesWithError(flags)) {
      for (MigrationState to : statesWithError(flags)) {
        results.add(run(flags, from, to));
      }
    }
    return results;
  }

  /** A fresh host and device for one pair, so no pair depends on another. */
  static Result run(long flags, MigrationState from, MigrationState to) {
    Recorder recorder = new Recorder(new FaultyDevice(MttyDevice.withFlags(flags, 1)));
    ModelRegistry models = ModelRegistry.builtin().register("probe", () -> recorder);
    Host host =
        new Host(
            Topology.parse("function 0000:00:04.0 1b36:0002 driver=vfio-pci:probe group=1 flr=yes"),
            models);
    try (HostProcess p = host.process("fsm")) {
      int dev = bind(p, host.device("0000:00:04.0").orElseThrow().cdevPath());
      if (from == MigrationState.ERROR) {
        recorder.faulty().breakDevice();
        set(p, dev, MigrationState.STOP.value());
      } else if (from == MigrationState.RESUMING) {
        // a whole image written in, so that RESUMING -> STOP validates and the device can leave
        resumeOwnImage(p, dev);
      } else {
        set(p, dev, from.value());
      }
      if (state(p, dev) != from.value()) {
        throw new IllegalStateException("could not bring the device to " + from);
      }
      recorder.arcs.clear();
      Set r = set(p, dev, to.value());
      return new Result(from, to, r.ret(), List.copyOf(recorder.arcs), r.state(), r.fd());
    }
  }

  private static void resumeOwnImage(HostProcess p, int dev) {
    MemorySegment image = MemorySegment.ofArray(new byte[1 << 16]);
    Set saving = set(p, dev, MigrationState.STOP_COPY.value(), false);
    long total = 0;
    for (long n; (n = p.read(saving.fd(), image.asSlice(total))) > 0; ) {
      total += n;
    }
    p.close(saving.fd());
    Set resuming = set(p, dev, MigrationState.RESUMING.value(), false);
    if (p.write(resuming.fd(), image.asSlice(0, total)) != total) {
      throw new IllegalStateException("could not resume the device's own image");
    }
    p.close(resuming.fd());
  }

  private static int bind(HostProcess p, String cdev) {
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    int dev = p.open(cdev, OpenFlags.O_RDWR);
    MemorySegment b = MemorySegment.ofArray(new byte[(int) VfioDeviceBindIommufd.SIZEOF]);
    VfioDeviceBindIommufd.ARGSZ.set(b, (int) VfioDeviceBindIommufd.SIZEOF);
    VfioDeviceBindIommufd.IOMMUFD.set(b, iommufd);
    int r = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_BIND_IOMMUFD, b);
    if (r != 0) {
      throw new IllegalStateException("BIND failed: " + Errno.describe(r));
    }
    return dev;
  }

  private static MemorySegment feature(int flags) {
    MemorySegment s = MemorySegment.ofArray(new byte[16]);
    VfioDeviceFeature.ARGSZ.set(s, 16);
    VfioDeviceFeature.FLAGS.set(s, flags | VfioConstants.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    return s;
  }

  /** What a SET returned and wrote back. */
  private record Set(int ret, long state, int fd) {}

  /** SET through VFIO_DEVICE_FEATURE; a data fd it hands out is closed unless asked not to. */
  private static Set set(HostProcess p, int dev, int state) {
    return set(p, dev, state, true);
  }

  private static Set set(HostProcess p, int dev, int state, boolean closeFd) {
    MemorySegment s = feature(VfioConstants.VFIO_DEVICE_FEATURE_SET);
    MemorySegment payload = s.asSlice(VfioDeviceFeature.DATA_OFFSET);
    VfioDeviceFeatureMigState.DEVICE_STATE.set(payload, state);
    // a value the kernel must overwrite, so the write-back is visible
    VfioDeviceFeatureMigState.DATA_FD.set(payload, 0x5a5a5a5a);
    int r = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_FEATURE, s);
    int fd = VfioDeviceFeatureMigState.DATA_FD.get(payload);
    if (r == 0 && fd >= 0 && closeFd) {
      p.close(fd);
    }
    return new Set(r, VfioDeviceFeatureMigState.DEVICE_STATE.getUnsigned(payload), fd);
  }

  private static int state(HostProcess p, int dev) {
    MemorySegment s = feature(VfioConstants.VFIO_DEVICE_FEATURE_GET);
    int r = p.ioctl(dev, VfioIoctls.VFIO_DEVICE_FEATURE, s);
    if (r != 0) {
      throw new IllegalStateException("GET failed: " + Errno.describe(r));
    }
    return VfioDeviceFeatureMigState.DEVICE_STATE.get(s.asSlice(VfioDeviceFeature.DATA_OFFSET));
  }

  /** Passes everything to the fault wrapper and writes down every arc the model is asked for. */
  private static final class Recorder extends ForwardingDeviceModel {
    final List<MigrationState> arcs = new ArrayList<>();

    Recorder(FaultyDevice inner) {
      super(inner);
    }

    FaultyDevice faulty() {
      return (FaultyDevice) inner();
    }

    @Override
    public MigrationDriver migration() {
      return new ForwardingMigrationDriver(inner().migration()) {
        @Override
        public Session arc(MigrationState from, MigrationState to) {
          arcs.add(to);
          return super.arc(from, to);
        }
      };
    }
  }
}
