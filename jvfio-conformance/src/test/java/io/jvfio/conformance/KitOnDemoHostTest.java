package io.jvfio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.DemoHost;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole kit, destructive checks included, passes on the emulator's devices. */
class KitOnDemoHostTest {
  static DeviceReport run(Host host, String bdf, boolean destructive) {
    VfioDevice device = host.device(bdf).orElseThrow();
    try (HostProcess p = host.process("conformance")) {
      return ConformanceKit.run(
          p, new Target(bdf, device.cdevPath(), device.group().path()), destructive);
    }
  }

  static List<CheckResult> failures(DeviceReport r) {
    return r.checks().stream().filter(c -> c.status() == Status.FAIL).toList();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        DemoHost.MEMDEV_A,
        DemoHost.MTTY,
        DefaultHost.SLOT_DEVICE,
        DefaultHost.BUS_DEVICE_A,
        DefaultHost.GROUP_PAIR_A
      })
  void everyCheckPassesWithDestructive(String bdf) {
    DeviceReport r = run(DemoHost.build(), bdf, true);
    assertThat(failures(r)).isEmpty();
    assertThat(r.count(Status.PASS)).isGreaterThan(10);
  }

  @Test
  void aMigratableDeviceGetsEveryPairOfItsStates() {
    DeviceReport r = run(DemoHost.build(), DemoHost.MTTY, true);
    long pairs = r.checks().stream().filter(c -> c.name().startsWith("fsm.")).count();
    // each existing state asked for every value from ERROR to one past the enum
    assertThat(pairs % 9).isZero();
    assertThat(pairs).isGreaterThanOrEqualTo(4 * 9);
    assertThat(r.checks()).noneMatch(c -> c.status() == Status.SKIP && c.name().equals("fsm"));
  }

  @Test
  void withoutDestructiveTheStateChangingChecksAreSkippedWithTheReason() {
    DeviceReport r = run(DemoHost.build(), DemoHost.MEMDEV_A, false);
    assertThat(failures(r)).isEmpty();
    assertThat(r.checks())
        .filteredOn(c -> c.status() == Status.SKIP)
        .extracting(CheckResult::name)
        .containsExactly(
            "hot-reset.cdev-refusals", "fsm", "datafd", "reset", "hot-reset.group-refusals");
    assertThat(r.checks())
        .filteredOn(c -> c.status() == Status.SKIP)
        .allSatisfy(c -> assertThat(c.expected()).contains("--destructive"));
    assertThat(r.checks()).noneMatch(c -> c.name().startsWith("fsm."));
  }

  @Test
  void aDeviceWithAHotResetScopeGetsBothInfoFormsAndTheRefusals() {
    DeviceReport r = run(DemoHost.build(), DefaultHost.BUS_DEVICE_B, true);
    assertThat(r.checks())
        .filteredOn(c -> c.name().startsWith("hot-reset."))
        .extracting(CheckResult::name)
        .containsExactly(
            "hot-reset.info.argsz-short",
            "hot-reset.info.enospc-gives-count",
            "hot-reset.info.cdev-form",
            "hot-reset.info.owned-flag",
            "hot-reset.cdev.fds-refused",
            "hot-reset.info.group-form",
            "hot-reset.group.empty-array",
            "hot-reset.group.closed-fd",
            "hot-reset.group.container-fd",
            "hot-reset.group.more-fds-than-scope");
    assertThat(failures(r)).isEmpty();
  }

  @Test
  void aRootBusDeviceSkipsHotResetWithTheReason() {
    DeviceReport r = run(DemoHost.build(), DefaultHost.ROOT_BUS_DEVICE, true);
    assertThat(r.checks())
        .filteredOn(c -> c.name().startsWith("hot-reset"))
        .extracting(CheckResult::name, CheckResult::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("hot-reset.info.argsz-short", Status.PASS),
            org.assertj.core.groups.Tuple.tuple("hot-reset", Status.SKIP));
  }

  @Test
  void dmaLoggingLimitsAreCheckedWhereTheDeviceLogsAndItsAbsenceElsewhere() {
    Host host = DemoHost.build();
    DeviceReport memdev = run(host, DemoHost.MEMDEV_A, false);
    assertThat(memdev.checks())
        .filteredOn(c -> c.name().startsWith("dma-logging."))
        .extracting(CheckResult::name)
        .containsExactly(
            "dma-logging.start-get-refused",
            "dma-logging.start-payload-short",
            "dma-logging.start-no-ranges",
            "dma-logging.start-too-many-ranges",
            "dma-logging.report-page-size");
    DeviceReport plain = run(host, DefaultHost.SLOT_DEVICE, false);
    assertThat(plain.checks())
        .filteredOn(c -> c.name().startsWith("dma-logging."))
        .extracting(CheckResult::name)
        .containsExactly("dma-logging.absent", "dma-logging.absent-report");
    assertThat(failures(memdev)).isEmpty();
    assertThat(failures(plain)).isEmpty();
  }
}
