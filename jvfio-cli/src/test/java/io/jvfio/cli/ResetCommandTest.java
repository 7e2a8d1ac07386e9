package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResetCommandTest {
  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  @Test
  void aBusSetResetsAsCdevWithDevidsAndAsGroupWithGroupIds() {
    CliRun cdev = run("reset", "--device", "0000:02:01.0", "--json");
    assertThat(cdev.code()).isZero();
    assertThat(cdev.out().strip())
        .isEqualTo(
            "{\"result\":\"ok\",\"as\":\"cdev\",\"device\":\"0000:02:01.0\","
                + "\"info\":{\"flags\":3,\"devices\":["
                + "{\"segment\":0,\"bus\":2,\"devfn\":0,\"id\":1},"
                + "{\"segment\":0,\"bus\":2,\"devfn\":8,\"id\":2}]}}");
    CliRun group = run("reset", "--device", "0000:02:01.0", "--as", "group", "--json");
    assertThat(group.code()).isZero();
    assertThat(group.out().strip())
        .isEqualTo(
            "{\"result\":\"ok\",\"as\":\"group\",\"device\":\"0000:02:01.0\","
                + "\"info\":{\"flags\":0,\"devices\":["
                + "{\"segment\":0,\"bus\":2,\"devfn\":0,\"id\":5},"
                + "{\"segment\":0,\"bus\":2,\"devfn\":8,\"id\":6}]}}");
  }

  @Test
  void theSamegroupPairAndTheSlotWork() {
    CliRun pair = run("reset", "--device", DefaultHost.GROUP_PAIR_B, "--json");
    assertThat(pair.out()).contains("\"result\":\"ok\"").contains("\"flags\":3");
    CliRun slot = run("reset", "--device", DefaultHost.SLOT_DEVICE, "--as", "group");
    assertThat(slot.code()).isZero();
    assertThat(slot.out())
        .contains("1 function in the reset scope")
        .contains("0000:01:00.0  group 3")
        .contains("result: ok");
    assertThat(run("reset", "--device", "0000:05:00.0").out())
        .contains("3 functions in the reset scope");
  }

  @Test
  void aRootBusDeviceHasNoHotReset() {
    CliRun r = run("reset", "--device", DefaultHost.ROOT_BUS_DEVICE, "--json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.json().get("result").asText()).isEqualTo("failed");
    assertThat(r.json().get("errno").asText()).isEqualTo("ENODEV");
    assertThat(r.json().get("reason").asText()).contains("root bus").contains("VFIO_DEVICE_RESET");
    CliRun text = run("reset", "--device", DefaultHost.ROOT_BUS_DEVICE);
    assertThat(text.code()).isEqualTo(1);
    assertThat(text.out())
        .contains("result: failed (ENODEV): no slot or bus reset covers 0000:00:02.0")
        .doesNotContain("-1 ENODEV");
  }

  @Test
  void aHostDriverOnTheBusIsListedAsBlocking(@TempDir Path dir) throws Exception {
    Path t = dir.resolve("host-driver.topology");
    Files.writeString(t, DefaultHost.text("default-host-driver.topology"));
    for (String as : new String[] {"cdev", "group"}) {
      CliRun json =
          run(
              "reset",
              "--device",
              "0000:02:00.0",
              "--topology",
              t.toString(),
              "--as",
              as,
              "--json");
      assertThat(json.code()).as(as).isEqualTo(1);
      assertThat(json.json().get("result").asText()).isEqualTo("failed");
      assertThat(json.json().get("errno").asText()).isEqualTo("EPERM");
      assertThat(json.out()).contains("\"blocking\":[\"0000:02:02.0\"]");
      assertThat(json.json().get("reason").asText())
          .contains("0000:02:02.0 (host:igb)")
          .contains("bind it to vfio-pci");
      CliRun text =
          run("reset", "--device", "0000:02:00.0", "--topology", t.toString(), "--as", as);
      assertThat(text.code()).isEqualTo(1);
      assertThat(text.out())
          .contains("0000:02:02.0  " + (as.equals("cdev") ? "NOT_OWNED" : "group 9"))
          .contains(
              "result: refused (EPERM): the reset would also reset 0000:02:02.0 (host:igb), which"
                  + (as.equals("cdev")
                      ? " is not bound to this process's iommufd"
                      : " is in an IOMMU group this process has not opened"));
    }
    CliRun cdev = run("reset", "--device", "0000:02:00.0", "--topology", t.toString(), "--json");
    assertThat(cdev.out()).contains("\"flags\":1").contains("\"id\":4294967295");
  }

  @Test
  void badArgumentsAreUsageErrors() {
    CliRun notVfio = run("reset", "--device", "0000:00:1c.0");
    assertThat(notVfio.code()).isEqualTo(2);
    assertThat(notVfio.err())
        .startsWith("jvfio reset: --device 0000:00:1c.0: bound to host:pcieport, not vfio-pci");
    CliRun garbage = run("reset", "--device", "zz");
    assertThat(garbage.code()).isEqualTo(2);
    assertThat(garbage.err()).contains("--device zz: 'zz' is not a PCI address");
    // the short form names the same function
    assertThat(run("reset", "--device", "02:01.0").code()).isZero();
  }
}
