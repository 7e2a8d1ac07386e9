package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvfio.client.DeviceNode;
import io.jvfio.host.DefaultHost;
import io.jvfio.uapi.vfio.MigrationState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code jvfio fsm --device}: a device of the backend driven pair by pair through the uAPI. */
class FsmDeviceTest {
  static final String MTTY1 = NativeBackendTest.MTTY1;

  @TempDir Path tmp;

  private Path lab() throws Exception {
    Path lab = tmp.resolve("lab-vm.topology");
    Files.writeString(lab, DefaultHost.text("lab-vm.topology"));
    return lab;
  }

  @Test
  void theLabsMttyAgreesWithTheProbeOnEveryPair() throws Exception {
    CliRun r = CliRun.run("fsm", "--topology", lab().toString(), "--device", MTTY1, "--json");
    assertThat(r.code()).as(r.both()).isZero();
    JsonNode j = r.json();
    assertThat(j.get("backend").asText()).isEqualTo("emulated");
    assertThat(j.get("device").asText()).isEqualTo(MTTY1);
    assertAgreesWithTheProbe(j, 7);
  }

  /** An mtty PCI function of each flag set answers as the probe of those flags. */
  @ParameterizedTest
  @ValueSource(longs = {1, 3, 5, 7})
  void everyFlagSetAgreesWithTheProbe(long flags) throws Exception {
    Path t = tmp.resolve("mtty.topology");
    Files.writeString(
        t,
        "function 0000:00:04.0 1b36:0002 driver=vfio-pci:mtty-0x" + flags + " group=1 flr=yes\n");
    CliRun r =
        CliRun.run(
            "fsm",
            "--topology",
            t.toString(),
            "--device",
            "0000:00:04.0",
            "--flags",
            "" + flags,
            "--json");
    assertThat(r.code()).as(r.both()).isZero();
    assertAgreesWithTheProbe(r.json(), flags);
  }

  private static void assertAgreesWithTheProbe(JsonNode j, long flags) {
    assertThat(j.get("flags").asLong()).isEqualTo(flags);
    JsonNode paths = j.get("paths");
    List<FsmExplorer.Result> probe = FsmExplorer.explore(flags);
    assertThat(paths).hasSize(probe.size());
    int compared = 0;
    for (int i = 0; i < probe.size(); i++) {
      JsonNode p = paths.get(i);
      FsmExplorer.Result want = probe.get(i);
      assertThat(p.get("from").asText()).isEqualTo(want.from().name());
      assertThat(p.get("to").asText()).isEqualTo(want.to().name());
      String pair = want.from() + " -> " + want.to();
      if (want.from() == MigrationState.ERROR) {
        assertThat(p.get("skipped").asText()).as(pair).contains("ERROR");
        continue;
      }
      assertThat(p.has("skipped")).as(pair).isFalse();
      assertThat(p.has("arcs")).as(pair).isFalse();
      if (want.ok()) {
        assertThat(p.has("errno")).as(pair).isFalse();
        MigrationState end = want.arcs().isEmpty() ? want.from() : want.arcs().getLast();
        assertThat(p.get("state").asText()).as(pair).isEqualTo(end.name());
      } else {
        assertThat(p.get("errno").asText()).as(pair).isEqualTo(want.errnoName());
        // a refused SET leaves the device where it was
        assertThat(p.get("state").asText()).as(pair).isEqualTo(want.from().name());
      }
      assertThat(p.get("dataFd").asBoolean()).as(pair).isEqualTo(want.writtenFd() >= 0);
      compared++;
    }
    // every pair but the ERROR row: (n - 1) * n of n states with ERROR
    int n = (int) Math.round(Math.sqrt(probe.size()));
    assertThat(compared).isEqualTo((n - 1) * n);
  }

  @Test
  void theGroupPathGivesTheSameAnswersAsTheCdev() {
    EmulatedBackend b = Backends.emulated(TopologyInput.builtIn("the lab VM", DefaultHost.labVm()));
    DeviceNode viaCdev = b.device("--device", MTTY1);
    DeviceNode noCdev =
        new DeviceNode(
            viaCdev.name(),
            null,
            viaCdev.groupPath(),
            viaCdev.kind(),
            viaCdev.vendor(),
            viaCdev.deviceId(),
            viaCdev.driver());
    DeviceFsm.Result a;
    DeviceFsm.Result g;
    try (Backend.Session s = b.session("cdev")) {
      a = FsmCommand.onDevice(s.sys(), viaCdev, 7L);
    }
    try (Backend.Session s = b.session("group")) {
      g = FsmCommand.onDevice(s.sys(), noCdev, null);
    }
    assertThat(g).isEqualTo(a);
  }

  @Test
  void textNamesTheDeviceAndEachPair() throws Exception {
    CliRun r = CliRun.run("fsm", "--topology", lab().toString(), "--device", MTTY1);
    assertThat(r.code()).as(r.both()).isZero();
    assertThat(r.out())
        .startsWith(MTTY1 + " on " + lab() + " (/dev/vfio/devices/vfio2), migration flags 0x7")
        .contains("RUNNING      to STOP_COPY     ok, reads STOP_COPY  (data fd)")
        .contains("STOP_COPY    to PRE_COPY      -1 EINVAL, reads STOP_COPY")
        .contains("RESUMING     to STOP          ok, reads STOP")
        .contains("ERROR        to RUNNING       skipped: a device enters ERROR only");
  }

  @Test
  void flagsThatDifferFromTheDevicesAreAFailureAndNoMigrationIsOne() throws Exception {
    CliRun r = CliRun.run("fsm", "--topology", lab().toString(), "--device", MTTY1, "--flags", "3");
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.err().strip())
        .isEqualTo(
            "jvfio fsm: --flags 3 does not match "
                + MTTY1
                + ", whose migration flags are 7 (0x7); leave --flags out or give 7");
    CliRun edu =
        CliRun.run("fsm", "--topology", lab().toString(), "--device", "0000:02:01.0", "--json");
    assertThat(edu.code()).as(edu.both()).isEqualTo(1);
    assertThat(edu.json().get("errno").asText()).isEqualTo("ENOTTY");
    assertThat(edu.err())
        .contains("0000:02:01.0 has no migration: GET of VFIO_DEVICE_FEATURE_MIGRATION answered");
  }
}
