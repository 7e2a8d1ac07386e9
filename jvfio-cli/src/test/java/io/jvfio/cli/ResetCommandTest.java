package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ResetCommandTest {
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
  void aBusSetResetsAsCdevWithDevidsAndAsGroupWithGroupIds() {
    Result cdev = run("reset", "--device", "0000:02:01.0", "--json");
    assertThat(cdev.code()).isZero();
    assertThat(cdev.out().strip())
        .isEqualTo(
            "{\"as\":\"cdev\",\"info\":{\"flags\":3,\"devices\":["
                + "{\"segment\":0,\"bus\":2,\"devfn\":0,\"id\":1},"
                + "{\"segment\":0,\"bus\":2,\"devfn\":8,\"id\":2}]},\"result\":\"ok\"}");
    Result group = run("reset", "--device", "0000:02:01.0", "--as", "group", "--json");
    assertThat(group.code()).isZero();
    assertThat(group.out().strip())
        .isEqualTo(
            "{\"as\":\"group\",\"info\":{\"flags\":0,\"devices\":["
                + "{\"segment\":0,\"bus\":2,\"devfn\":0,\"id\":5},"
                + "{\"segment\":0,\"bus\":2,\"devfn\":8,\"id\":6}]},\"result\":\"ok\"}");
  }

  @Test
  void theSamegroupPairAndTheSlotWork() {
    Result pair = run("reset", "--device", DefaultHost.GROUP_PAIR_B, "--json");
    assertThat(pair.out()).contains("\"result\":\"ok\"").contains("\"flags\":3");
    Result slot = run("reset", "--device", DefaultHost.SLOT_DEVICE, "--as", "group");
    assertThat(slot.code()).isZero();
    assertThat(slot.out()).contains("0000:01:00.0  group 3").contains("result: ok");
  }

  @Test
  void aRootBusDeviceHasNoHotReset() {
    Result r = run("reset", "--device", DefaultHost.ROOT_BUS_DEVICE, "--json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("\"result\":\"ENODEV\"");
  }

  @Test
  void aHostDriverOnTheBusIsListedAsBlocking(@TempDir Path dir) throws Exception {
    Path t = dir.resolve("host-driver.topology");
    Files.writeString(t, DefaultHost.text("default-host-driver.topology"));
    for (String as : new String[] {"cdev", "group"}) {
      Result json =
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
      assertThat(json.out())
          .contains("\"result\":\"EPERM\"")
          .contains("\"blocking\":[\"0000:02:02.0\"]");
      Result text =
          run("reset", "--device", "0000:02:00.0", "--topology", t.toString(), "--as", as);
      assertThat(text.out()).contains("0000:02:02.0").contains("not owned: 0000:02:02.0");
    }
    Result cdev = run("reset", "--device", "0000:02:00.0", "--topology", t.toString(), "--json");
    assertThat(cdev.out()).contains("\"flags\":1").contains("\"id\":4294967295");
  }

  @Test
  void badArgumentsAreUsageErrors() {
    Result notVfio = run("reset", "--device", "0000:00:1c.0");
    assertThat(notVfio.code()).isEqualTo(2);
    assertThat(notVfio.err()).contains("not a function bound to vfio-pci");
    Result garbage = run("reset", "--device", "zz");
    assertThat(garbage.code()).isEqualTo(2);
  }
}
