package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.migration.engine.MigrationDestination;
import io.jvfio.migration.engine.MigrationOptions;
import io.jvfio.migration.engine.MigrationSource;
import io.jvfio.migration.engine.ProgressListener;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.report.Summary;
import io.jvfio.migration.transport.InMemoryChannels;
import io.jvfio.uapi.vfio.MigrationState;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * How {@code migrate --backend native} chooses and opens its devices, run on the lab VM's emulated
 * twin (the native backend's sysfs discovery is tested in the lab): by default every device that
 * answers FEATURE MIGRATION, in the backend's order; {@code --devices} by any of a device's names;
 * the wire's model is an mdev's parent, so a Linux mtty meets jvfio's; no digests.
 */
class NativeMigrationDevicesTest {
  static final String M1 = StateCommandTest.M1;
  static final String M2 = StateCommandTest.M2;
  static final String M3 = StateCommandTest.M3;

  @Test
  void byDefaultEveryDeviceThatCanMigrateInTheBackendsOrder() {
    EmulatedBackend lab = StateCommandTest.lab();
    List<StateDevices.Chosen> chosen = MigrationHosts.chooseNative(lab, null);
    assertThat(chosen).extracting(StateDevices.Chosen::name).containsExactly(M1, M2, M3);
    assertThat(chosen).allMatch(c -> c.flags() == MttyDevice.MTTY_FLAGS);
  }

  @Test
  void devicesAreNamedByUuidOrCdevEachOnceAndMustMigrate() {
    EmulatedBackend lab = StateCommandTest.lab();
    String m2cdev = lab.device("--devices", M2).cdevPath();
    assertThat(MigrationHosts.chooseNative(lab, List.of(m2cdev, M1)))
        .extracting(StateDevices.Chosen::name)
        .containsExactly(M2, M1);
    assertThatThrownBy(() -> MigrationHosts.chooseNative(lab, List.of(M2, m2cdev)))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining(M2 + " is named twice");
    assertThatThrownBy(() -> MigrationHosts.chooseNative(lab, List.of("0000:02:01.0")))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("0000:02:01.0 (vfio-pci) cannot migrate");
  }

  @Test
  void theOpenedDevicesMigrateWithTheParentAsModelAndNoDigest() throws Exception {
    EmulatedBackend source = StateCommandTest.lab();
    EmulatedBackend target = StateCommandTest.lab();
    StateCommandTest.type(source, M1, "moved");
    StateCommandTest.type(source, M3, "too");
    List<StateDevices.Chosen> chosen = MigrationHosts.chooseNative(source, List.of(M1, M3));
    MigrationReport sent;
    MigrationReport received;
    try (Backend.Session src = source.session("vmm");
        Backend.Session dst = target.session("vmm");
        MigrationHosts.Opened from = MigrationHosts.openNative(src.sys(), chosen);
        MigrationHosts.Opened to =
            MigrationHosts.openNative(
                dst.sys(), MigrationHosts.chooseNative(target, List.of(M1, M3)))) {
      assertThat(from.devices()).extracting(d -> d.model()).containsOnly("mtty");
      assertThat(from.devices()).allMatch(d -> d.digest() == null);
      InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20);
      MigrationOptions options = MigrationOptions.defaults();
      CompletableFuture<MigrationReport> receiving =
          CompletableFuture.supplyAsync(() ->
              new MigrationDestination(to.devices(), pair.b(), options, ProgressListener.NONE)
                  .run());
      sent = new MigrationSource(from.devices(), pair.a(), options, ProgressListener.NONE).run();
      received = receiving.get();
    }
    assertThat(sent.completed()).as(Summary.text(sent)).isTrue();
    assertThat(received.completed()).as(Summary.text(received)).isTrue();
    for (String m : List.of(M1, M3)) {
      assertThat(((MttyDevice) StateCommandTest.device(target, m).model()).portStates())
          .isEqualTo(((MttyDevice) StateCommandTest.device(source, m).model()).portStates());
    }
    assertThat(sent.devices()).allMatch(d -> d.digest() == null);
  }

  @Test
  void anMdevsModelIsItsParentAndAFunctionsItsDriver() {
    EmulatedBackend lab = StateCommandTest.lab();
    assertThat(MigrationHosts.model(lab.device("--devices", M1))).isEqualTo("mtty");
    assertThat(MigrationHosts.model(lab.device("--devices", "0000:02:01.0"))).isEqualTo("vfio-pci");
  }

  @Test
  void aDeviceLeftStoppedOrResumingIsRunningOnceOpened() {
    EmulatedBackend lab = StateCommandTest.lab();
    try (Backend.Session s = lab.session("earlier");
        OpenedDevice d1 = OpenedDevice.open(s.sys(), lab.device("--devices", M1));
        OpenedDevice d2 = OpenedDevice.open(s.sys(), lab.device("--devices", M2))) {
      d1.migration().set(MigrationState.STOP);
      d2.migration().set(MigrationState.RESUMING);
    }
    try (Backend.Session s = lab.session("vmm");
        MigrationHosts.Opened opened =
            MigrationHosts.openNative(s.sys(), MigrationHosts.chooseNative(lab, List.of(M1, M2)))) {
      assertThat(opened.devices())
          .allMatch(d -> d.device().migration().state() == MigrationState.RUNNING);
    }
  }
}
