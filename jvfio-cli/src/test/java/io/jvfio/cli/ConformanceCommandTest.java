package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jvfio.devices.DemoHost;
import io.jvfio.host.DefaultHost;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.VfioIoctls;
import io.jvfio.uapi.vfio.VfioPrecopyInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConformanceCommandTest {
  private static List<String> names(JsonNode device, String status) {
    List<String> out = new ArrayList<>();
    device
        .get("checks")
        .forEach(c -> {
          if (c.get("status").asText().equals(status)) {
            out.add(c.get("name").asText());
          }
        });
    return out;
  }

  @Test
  void theWholeKitPassesOnEveryDeviceOfTheDemoHost() {
    CliRun r = CliRun.run("conformance", "--destructive", "--json");
    assertThat(r.code()).as(r.both()).isZero();
    JsonNode j = r.json();
    assertThat(j.get("result").asText()).isEqualTo("ok");
    assertThat(j.get("backend").asText()).isEqualTo("emulated");
    assertThat(j.get("counts").get("fail").asLong()).isZero();
    assertThat(j.has("error")).isFalse();
    List<String> devices = new ArrayList<>();
    long checks = 0;
    for (JsonNode d : j.get("devices")) {
      devices.add(d.get("device").asText());
      assertThat(names(d, "fail")).as(d.get("device").asText()).isEmpty();
      checks += d.get("checks").size();
      for (JsonNode c : d.get("checks")) {
        assertThat(c.get("source").asText()).isNotBlank();
        assertThat(c.get("status").asText()).isIn("pass", "skip");
      }
    }
    // memdev, mtty, a plain vfio-pci function and the hot-reset-capable slot and bus devices
    assertThat(devices)
        .contains(
            DemoHost.MEMDEV_A,
            DemoHost.MTTY,
            DefaultHost.ROOT_BUS_DEVICE,
            DefaultHost.SLOT_DEVICE,
            DefaultHost.BUS_DEVICE_A);
    assertThat(j.get("counts").get("checks").asLong()).isEqualTo(checks);
    assertThat(j.get("counts").get("pass").asLong() + j.get("counts").get("skip").asLong())
        .isEqualTo(checks);
  }

  @Test
  void withoutDestructiveTheStateChangingChecksAreSkippedWithTheReason() {
    CliRun r = CliRun.run("conformance", "--device", DemoHost.MTTY, "--json");
    assertThat(r.code()).as(r.both()).isZero();
    JsonNode mtty = r.json().get("devices").get(0);
    assertThat(names(mtty, "skip"))
        .containsExactly(
            "hot-reset.cdev-refusals", "fsm", "datafd", "reset", "hot-reset.group-refusals");
    mtty.get("checks")
        .forEach(c -> {
          if (c.get("status").asText().equals("skip")) {
            assertThat(c.get("expected").asText()).contains("--destructive");
          }
        });
  }

  @Test
  void theTextNamesEachCheckWithItsSourceAndADeviceCanBeNamedByItsCdev() {
    CliRun json = CliRun.run("conformance", "--device", DemoHost.MEMDEV_A, "--json");
    String cdev = json.json().get("devices").get(0).get("cdev").asText();
    assertThat(cdev).startsWith("/dev/vfio/devices/vfio");
    CliRun r = CliRun.run("conformance", "--device", cdev, "--destructive");
    assertThat(r.code()).as(r.both()).isZero();
    assertThat(r.out())
        .startsWith(DemoHost.MEMDEV_A + " (" + cdev + "): ")
        .contains("  pass  feature.order.argsz-before-index: EINVAL  [linux-migration.md §2.2")
        .contains("  pass  fsm.STOP_COPY->PRE_COPY: EINVAL, echoes PRE_COPY, GET STOP_COPY")
        .containsPattern("result: ok, \\d+ checks passed on 1 device, 0 skipped");
  }

  @Test
  void aWrongDeviceIsAUsageErrorBeforeAnyHostIsBuilt() {
    long built = Hosts.built();
    CliRun r = CliRun.run("conformance", "--device", "0000:7f:00.0", "--json");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.json().get("result").asText()).isEqualTo("usage");
    assertThat(r.json().get("error").asText()).contains("0000:7f:00.0");
    assertThat(CliRun.run("conformance", "--backend", "nativ").code()).isEqualTo(2);
    assertThat(Hosts.built()).isEqualTo(built);
  }

  /** A device whose PRECOPY_INFO accepts a 16-byte argsz (the rule: EINVAL below 24). */
  private static Syscalls lying(Syscalls real) {
    return (Syscalls)
        Proxy.newProxyInstance(
            Syscalls.class.getClassLoader(),
            new Class<?>[] {Syscalls.class},
            (proxy, m, args) -> {
              if (m.getName().equals("ioctl")
                  && args[2] instanceof MemorySegment s
                  && (long) args[1] == VfioIoctls.VFIO_MIG_GET_PRECOPY_INFO
                  && VfioPrecopyInfo.ARGSZ.get(s) == 16) {
                return 0;
              }
              try {
                return m.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aDeviceBreakingOneRuleFailsThatCheckAndTheCommandExitsOne() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cli =
        new CommandLine(new ConformanceCommand(ConformanceCommandTest::lying))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(new StringWriter()));
    int code = cli.execute("--device", DemoHost.MTTY, "--destructive", "--json");
    assertThat(code).isEqualTo(1);
    JsonNode j = new JsonMapper().readTree(out.toString().strip());
    assertThat(j.get("result").asText()).isEqualTo("failed");
    assertThat(j.get("error").asText()).isEqualTo("1 check failed: the device answered otherwise");
    assertThat(j.get("counts").get("fail").asLong()).isEqualTo(1);
    JsonNode failed = null;
    for (JsonNode c : j.get("devices").get(0).get("checks")) {
      if (c.get("status").asText().equals("fail")) {
        failed = c;
      }
    }
    assertThat(failed).isNotNull();
    assertThat(failed.get("name").asText()).isEqualTo("precopy.info-argsz-short");
    assertThat(failed.get("expected").asText()).isEqualTo("EINVAL");
    assertThat(failed.get("actual").asText()).isEqualTo("ok");
  }
}
