package io.jvfio.host.vfio;

import static io.jvfio.host.testkit.Cdev.bindRaw;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceFailure;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The device SDK seen from a model, and vfio-pci's open, close and reset rules. */
class DeviceLifecycleTest {
  /** A model that records what the core did to it, and what the core's state was at the time. */
  static final class Recorder implements DeviceModel {
    final List<String> events = new ArrayList<>();
    Host host;
    String bdf;
    boolean failOpen;
    RuntimeException failReset;
    RuntimeException failDestroy;
    boolean destroyed;

    @Override
    public String name() {
      return "recorder";
    }

    @Override
    public void open(DeviceContext context) {
      bdf = context.bdf();
      if (failOpen) {
        throw new DeviceFailure("firmware did not answer");
      }
      events.add("open " + context.bdf());
    }

    @Override
    public void close() {
      VfioDevice d = host.device(bdf).orElseThrow();
      events.add("close bound=" + (d.iommufdBinding() != null));
    }

    @Override
    public void reset() {
      if (failReset != null) {
        throw failReset;
      }
      events.add("reset");
    }

    @Override
    public void destroy() {
      destroyed = true;
      if (failDestroy != null) {
        throw failDestroy;
      }
    }
  }

  private final List<Recorder> recorders = new ArrayList<>();

  private Host host(Topology t) {
    ModelRegistry models =
        ModelRegistry.builtin()
            .register(
                "recorder",
                () -> {
                  Recorder r = new Recorder();
                  recorders.add(r);
                  return r;
                });
    Host host =
        new Host(Topology.parse(t.format().replace("vfio-pci:plain", "vfio-pci:recorder")), models);
    recorders.forEach(r -> r.host = host);
    return host;
  }

  private Recorder recorder(Host host, String bdf) {
    return (Recorder) host.device(bdf).orElseThrow().model();
  }

  @Test
  void closeRunsTheDriverFirstAndUnbindsAfter() {
    Host host = host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    VfioDevice d = host.device(DefaultHost.SLOT_DEVICE).orElseThrow();
    int dev = p.open(d.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, dev, iommufd)).isZero();
    IommufdContext ictx = (IommufdContext) p.file(iommufd);
    assertThat(ictx.objects()).hasSize(1);

    assertThat(p.close(dev)).isZero();

    // slot device with FLR: reset at enable, close sees the binding still present, reset at disable
    assertThat(recorder(host, DefaultHost.SLOT_DEVICE).events)
        .containsExactly("reset", "open " + DefaultHost.SLOT_DEVICE, "close bound=true", "reset");
    assertThat(d.iommufdBinding()).isNull();
    assertThat(d.cdevOpened()).isFalse();
    assertThat(ictx.objects()).isEmpty();
  }

  @Test
  void theLastCloseOnABusResetsTheWholeBusOnceNoOtherMemberIsOpen() {
    Host host = host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    VfioDevice a = host.device(DefaultHost.BUS_DEVICE_A).orElseThrow();
    VfioDevice b = host.device(DefaultHost.BUS_DEVICE_B).orElseThrow();
    int fa = p.open(a.cdevPath(), OpenFlags.O_RDWR);
    int fb = p.open(b.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, fa, iommufd)).isZero();
    assertThat(bindRaw(p, fb, iommufd)).isZero();
    assertThat(a.resetWorks()).isFalse();

    assertThat(p.close(fa)).isZero();
    assertThat(a.needsReset()).isTrue();
    assertThat(a.resets()).isZero();

    assertThat(p.close(fb)).isZero();
    assertThat(a.resets()).isEqualTo(1);
    assertThat(b.resets()).isEqualTo(1);
    assertThat(a.needsReset()).isFalse();
    assertThat(b.needsReset()).isFalse();
  }

  @Test
  void aModelFailingTheCloseTimeBusResetLeavesTheCloseSuccessfulAndTheBusNeedingAReset() {
    Host host = host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    VfioDevice a = host.device(DefaultHost.BUS_DEVICE_A).orElseThrow();
    VfioDevice b = host.device(DefaultHost.BUS_DEVICE_B).orElseThrow();
    int fa = p.open(a.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, fa, iommufd)).isZero();
    recorder(host, DefaultHost.BUS_DEVICE_A).failReset = new DeviceFailure("bus reset refused");
    IllegalStateException bug = new IllegalStateException("model bug in reset");
    recorder(host, DefaultHost.BUS_DEVICE_B).failReset = bug;

    // a release cannot fail: the close succeeds, the refusal is kept, the bus still needs a reset
    assertThat(p.close(fa)).isZero();
    assertThat(a.needsReset()).isTrue();
    assertThat(a.modelFailures().count()).isEqualTo(1);
    assertThat(a.modelFailures().last().where()).isEqualTo("bus reset at close");

    recorder(host, DefaultHost.BUS_DEVICE_A).failReset = null;
    int fb = p.open(b.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, fb, iommufd)).isZero();
    assertThat(p.close(fb)).isZero();
    assertThat(b.modelFailures().last().error()).isSameAs(bug);
    assertThat(b.needsReset()).isTrue();
  }

  @Test
  void hostCloseDestroysEveryModelEvenWhenOneThrows() {
    Host host = host(DefaultHost.topology());
    Recorder broken = recorder(host, DefaultHost.SLOT_DEVICE);
    IllegalStateException bug = new IllegalStateException("model bug in destroy");
    broken.failDestroy = bug;

    host.close();

    assertThat(recorders).isNotEmpty().allMatch(r -> r.destroyed);
    assertThat(host.device(DefaultHost.SLOT_DEVICE).orElseThrow().modelFailures().last().error())
        .isSameAs(bug);
  }

  @Test
  void aHostDriverFunctionOnTheBusPreventsTheCloseTimeBusReset() {
    Host host = host(DefaultHost.withHostDriver());
    HostProcess p = host.process("vmm");
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    VfioDevice a = host.device(DefaultHost.BUS_DEVICE_A).orElseThrow();
    int fa = p.open(a.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, fa, iommufd)).isZero();
    assertThat(p.close(fa)).isZero();
    assertThat(a.resets()).isZero();
    assertThat(a.needsReset()).isTrue();
  }

  @Test
  void aModelThatFailsToOpenMakesBindEioAndLeavesNothingBehind() {
    Host host = host(DefaultHost.topology());
    Recorder r = recorder(host, DefaultHost.ROOT_BUS_DEVICE);
    r.failOpen = true;
    HostProcess p = host.process("vmm");
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    VfioDevice d = host.device(DefaultHost.ROOT_BUS_DEVICE).orElseThrow();
    int dev = p.open(d.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, dev, iommufd)).isEqualTo(Errno.EIO.negative());
    assertThat(d.openCount()).isZero();
    assertThat(((IommufdContext) p.file(iommufd)).objects()).isEmpty();
    assertThat(d.iommuGroup().claimed()).isFalse();
    // the group is not left blocked
    int group = p.open(d.group().path(), OpenFlags.O_RDWR);
    assertThat(group).isGreaterThanOrEqualTo(3);
  }

  @Test
  void resetReachesTheModelOnlyWhenAFunctionResetWorks() {
    Host host = host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    int iommufd = p.open("/dev/iommu", OpenFlags.O_RDWR);
    VfioDevice root = host.device(DefaultHost.ROOT_BUS_DEVICE).orElseThrow();
    VfioDevice bus = host.device(DefaultHost.BUS_DEVICE_A).orElseThrow();
    int fr = p.open(root.cdevPath(), OpenFlags.O_RDWR);
    int fb = p.open(bus.cdevPath(), OpenFlags.O_RDWR);
    assertThat(bindRaw(p, fr, iommufd)).isZero();
    assertThat(bindRaw(p, fb, iommufd)).isZero();
    int before = root.resets();
    assertThat(p.ioctl(fr, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isZero();
    assertThat(root.resets()).isEqualTo(before + 1);
    assertThat(p.ioctl(fb, VfioIoctls.VFIO_DEVICE_RESET, 0L)).isEqualTo(Errno.EINVAL.negative());
    assertThat(bus.resets()).isZero();
  }
}
