package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void demoSucceedsAndShowsTheIdsLinuxWouldHandOut() {
    Result r = run("demo", "--memdev-mib", "16");
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
    Result r = run("demo", "--json", "--memdev-mib", "8");
    assertThat(r.code()).isZero();
    String json = r.out().strip();
    assertThat(json.lines()).hasSize(1);
    assertThat(json)
        .startsWith("{\"result\":\"ok\"")
        .contains("\"bdf\":\"0000:05:00.0\"")
        .contains("\"precopyBytes\":")
        .contains("\"stopCopyBytes\":")
        .contains("\"downtimeMs\":")
        .contains("\"throughputBytesPerSec\":");
  }

  @Test
  void topologyJsonListsEveryFunctionWithItsNodes() {
    Result r = run("topology", "--json");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("\"bdf\": \"0000:01:00.0\"")
        .contains("\"cdev\": \"/dev/vfio/devices/vfio1\"")
        .contains("\"groupNode\": \"/dev/vfio/3\"")
        .contains("\"devSet\": \"slot 0000:01:00\"")
        .contains("\"devSet\": \"bus 0000:02\"")
        .contains("\"iommuGroup\": 8")
        .contains("\"driver\": \"vfio-pci:memdev\"")
        .contains("\"driver\": \"vfio-pci:mtty\"");
  }

  @Test
  void topologyTextShowsTreeGroupsSetsAndNodes() {
    Result r = run("topology");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("PCI tree", "IOMMU groups", "Device sets", "Device nodes")
        .contains("/dev/vfio/devices/vfio8")
        .contains("device 0000:00:02.0");
  }

  @Test
  void builtInVariantsAndAnUnknownOne() {
    Result nested = run("topology", "--variant", "nested-bridge", "--json");
    assertThat(nested.code()).isZero();
    assertThat(nested.out()).contains("\"bdf\": \"0000:04:00.0\"").contains("\"bridge\": true");
    Result hostDriver = run("topology", "--variant", "host-driver");
    assertThat(hostDriver.out()).contains("0000:02:02.0 8086:1533 host:igb");
    Result unknown = run("topology", "--variant", "nope");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown variant nope");
  }

  @Test
  void topologyFromAFileAndAClearErrorForABadOne(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("t.topology");
    Files.writeString(good, "function 0000:00:03.0 1234:11e8 driver=vfio-pci:edu group=4\n");
    Result ok = run("topology", good.toString(), "--json");
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).contains("vfio-pci:edu").contains("/dev/vfio/4");

    Path bad = dir.resolve("bad.topology");
    Files.writeString(bad, "# header\nfunction 0000:00:03.0 1234:11e8 driver=nonsense\n");
    Result err = run("topology", bad.toString());
    assertThat(err.code()).isEqualTo(1);
    assertThat(err.err()).contains("line 2").contains("driver must be");
  }
}
