package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  @Test
  void demoSucceedsAndShowsTheIdsLinuxWouldHandOut() {
    CliRun r = run("demo", "--memdev-mib", "16");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("open(\"/dev/iommu\", O_RDWR)")
        .contains("out_ioas_id = 1")
        .contains("out_devid = 2")
        .contains("pt_id = 3 (the auto-created HWPT)")
        .contains("iova = 0x200000")
        .contains("flags = 0x3 (PCI|RESET), num_regions = 9, num_irqs = 5")
        .contains("tour: every call succeeded")
        .contains("Migration completed")
        .contains("0000:05:00.0 memdev  digest equal")
        .contains("0000:05:02.0 mtty    digest equal")
        .contains("demo finished: every call succeeded and the devices moved intact");
  }

  @Test
  void demoJsonIsOneObjectWithEqualDigests() {
    CliRun r = run("demo", "--json", "--memdev-mib", "8");
    assertThat(r.code()).as(r.both()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("result").asText()).isIn(CliRun.MIGRATED);
    assertThat(json.get("devices")).hasSize(3);
    assertThat(json.get("devices").get(0).get("bdf").asText()).isEqualTo("0000:05:00.0");
    assertThat(r.out())
        .contains("\"precopyBytes\":")
        .contains("\"stopCopyBytes\":")
        .contains("\"downtimeMs\":")
        .contains("\"throughputBytesPerSec\":");
  }

  @Test
  void topologyJsonIsAnObjectWithEveryFunctionItsNodesGroupsAndSets() {
    CliRun r = run("topology", "--json");
    assertThat(r.code()).as(r.both()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("result").asText()).isEqualTo("ok");
    assertThat(json.get("host").asText()).isEqualTo("default");
    Map<String, JsonNode> byBdf = new HashMap<>();
    json.get("devices").forEach(d -> byBdf.put(d.get("bdf").asText(), d));
    JsonNode slot = byBdf.get("0000:01:00.0");
    assertThat(slot.get("cdev").asText()).isEqualTo("/dev/vfio/devices/vfio1");
    assertThat(slot.get("groupNode").asText()).isEqualTo("/dev/vfio/3");
    assertThat(slot.get("devSet").asText()).isEqualTo("slot 0000:01:00");
    assertThat(slot.get("driver").asText()).isEqualTo("vfio-pci:plain");
    assertThat(slot.get("iommuGroup").asInt()).isEqualTo(3);
    assertThat(byBdf.get("0000:05:00.0").get("driver").asText()).isEqualTo("vfio-pci:memdev");
    assertThat(byBdf.get("0000:02:00.0").get("devSet").asText()).isEqualTo("bus 0000:02");
    assertThat(byBdf.get("0000:05:02.0").get("driver").asText()).isEqualTo("vfio-pci:mtty");
    // a function without vfio-pci has its vfio fields, present and null
    JsonNode hostBridge = byBdf.get("0000:00:00.0");
    assertThat(hostBridge.has("cdev")).isTrue();
    assertThat(hostBridge.get("cdev").isNull()).isTrue();
    assertThat(json.get("devices")).hasSize(byBdf.size());
    List<String> sets = new ArrayList<>();
    json.get("deviceSets").forEach(s -> sets.add(s.get("key").asText()));
    assertThat(sets).contains("slot 0000:01:00", "bus 0000:02");
    assertThat(json.get("iommuGroups")).isNotEmpty();
  }

  @Test
  void topologyJsonArrayIsTheDeviceListAlone() {
    CliRun object = run("topology", "--json");
    CliRun array = run("topology", "--json-array");
    assertThat(array.code()).as(array.both()).isZero();
    assertThat(array.json().isArray()).isTrue();
    assertThat(array.json()).isEqualTo(object.json().get("devices"));
    CliRun both = run("topology", "--json", "--json-array");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("--json and --json-array: choose one");
  }

  @Test
  void topologyTextShowsTreeGroupsSetsAndNodes() {
    CliRun r = run("topology");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("PCI tree", "IOMMU groups", "Device sets", "Device nodes")
        .contains("/dev/vfio/devices/vfio8")
        .contains("device 0000:00:02.0");
  }

  @Test
  void builtInVariantsAndAnUnknownOne() {
    CliRun nested = run("topology", "--variant", "nested-bridge", "--json");
    assertThat(nested.code()).isZero();
    assertThat(nested.json().get("host").asText()).isEqualTo("nested-bridge");
    assertThat(nested.out()).contains("{\"bdf\":\"0000:04:00.0\"").contains("\"bridge\":true");
    CliRun hostDriver = run("topology", "--variant", "host-driver");
    assertThat(hostDriver.out()).contains("0000:02:02.0 8086:1533 host:igb");
    CliRun unknown = run("topology", "--variant", "nope");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err())
        .isEqualTo(
            "jvfio topology: --variant nope: unknown host; the built-in ones are default,"
                + " host-driver, nested-bridge\n");
  }

  @Test
  void topologyShowsTheLabMirrorsMdevs(@TempDir Path dir) throws Exception {
    Path lab = dir.resolve("lab-vm.topology");
    Files.writeString(lab, io.jvfio.host.DefaultHost.text("lab-vm.topology"));
    CliRun text = run("topology", lab.toString());
    assertThat(text.code()).as(text.both()).isZero();
    assertThat(text.out())
        .contains("Mediated devices")
        .contains(
            "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003 4348:3253 mdev:mtty/mtty-2 group 6 "
                + " /dev/vfio/devices/vfio4")
        .contains("4   [83b8f4f2-509f-382f-3c1e-e6bfe0fa1001]");
    CliRun json = run("topology", lab.toString(), "--json");
    assertThat(json.code()).as(json.both()).isZero();
    var devices = json.json().get("devices");
    assertThat(devices).hasSize(7); // a root port, a PCIe-to-PCI bridge, two edu, three mdevs
    assertThat(devices.get(4).get("bdf").asText())
        .isEqualTo("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
    assertThat(devices.get(4).get("cdev").asText()).isEqualTo("/dev/vfio/devices/vfio2");
    assertThat(devices.get(4).get("driver").asText()).isEqualTo("mdev:mtty/mtty-2");
  }

  @Test
  void topologyFromAFileAndAClearErrorForABadOne(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("t.topology");
    Files.writeString(good, "function 0000:00:03.0 1234:11e8 driver=vfio-pci:edu group=4\n");
    CliRun ok = run("topology", good.toString(), "--json");
    assertThat(ok.code()).isZero();
    assertThat(ok.json().get("host").asText()).isEqualTo(good.toString());
    assertThat(ok.out()).contains("vfio-pci:edu").contains("/dev/vfio/4");

    Path bad = dir.resolve("bad.topology");
    Files.writeString(bad, "# header\nfunction 0000:00:03.0 1234:11e8 driver=nonsense\n");
    CliRun err = run("topology", bad.toString());
    assertThat(err.code()).isEqualTo(2);
    assertThat(err.err())
        .startsWith("jvfio topology: " + bad + ": line 2: ")
        .contains("driver must be");
  }
}
