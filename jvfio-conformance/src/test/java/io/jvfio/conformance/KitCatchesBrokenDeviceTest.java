package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.DemoHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioIoctls;
import org.junit.jupiter.api.Test;

/** A device that gets one rule wrong fails the matching check, and only checks about that rule. */
class KitCatchesBrokenDeviceTest {
  private static DeviceReport runLying(
      long request, java.util.function.LongPredicate when, int answer) {
    Host host = DemoHost.build();
    String cdev = host.device(DemoHost.MTTY).orElseThrow().cdevPath();
    try (HostProcess p = host.process("conformance")) {
      return ConformanceKit.run(
          new LyingSyscalls(p, request, when, answer), new Target(DemoHost.MTTY, cdev), true);
    }
  }

  @Test
  void anUnknownFeatureIndexAnsweredWithEopnotsuppFailsThatCheck() {
    // argsz 16 and an index of 0xffff with any op bits: the kit's unknown-index probe
    DeviceReport r =
        runLying(
            VfioIoctls.VFIO_DEVICE_FEATURE,
            h -> (h & 0xffff_ffffL) >= 8 && ((h >>> 32) & VFIO_DEVICE_FEATURE_MASK) == 0xffff,
            Errno.EOPNOTSUPP.negative());
    assertThat(KitOnDemoHostTest.failures(r))
        .extracting(CheckResult::name)
        .contains("feature.unknown-index")
        .allMatch(n -> n.startsWith("feature."));
    assertThat(r.checks())
        .filteredOn(c -> c.name().equals("feature.unknown-index"))
        .singleElement()
        .satisfies(c -> assertThat(c.actual()).isEqualTo("EOPNOTSUPP"));
  }

  @Test
  void aPrecopyInfoThatAcceptsAShortArgszFailsThatCheck() {
    // VFIO_MIG_GET_PRECOPY_INFO with argsz 16 answered as if it were fine
    DeviceReport r =
        runLying(VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, h -> (h & 0xffff_ffffL) == 16, 0);
    assertThat(KitOnDemoHostTest.failures(r))
        .extracting(CheckResult::name)
        .containsExactly("precopy.info-argsz-short");
  }

  @Test
  void theSameKitPassesWhenTheWrapperDoesNotLie() {
    DeviceReport r = runLying(VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO, h -> false, 0);
    assertThat(KitOnDemoHostTest.failures(r)).isEmpty();
  }

  @Test
  void aHotResetInfoThatAcceptsAShortArgszFailsThatCheck() {
    DeviceReport r =
        runLying(VfioIoctls.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h -> (h & 0xffff_ffffL) == 8, 0);
    assertThat(KitOnDemoHostTest.failures(r))
        .extracting(CheckResult::name)
        .containsExactly("hot-reset.info.argsz-short");
  }
}
