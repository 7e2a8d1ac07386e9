package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MigrateCommandTest {
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

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static List<String> digests(String json) {
    Matcher m = Pattern.compile("\"digest\":\"([0-9a-f]+)\"").matcher(json);
    List<String> l = new ArrayList<>();
    while (m.find()) {
      l.add(m.group(1));
    }
    return l;
  }

  @Test
  void aReceiveAndSendPairOnLoopbackMovesEveryDeviceIntact(@TempDir Path dir) throws Exception {
    String addr = "127.0.0.1:" + freePort();
    CompletableFuture<Result> receiver =
        CompletableFuture.supplyAsync(
            () -> run("migrate", "receive", "--listen", addr, "--json", "--memdev-mib", "8"));
    Result sent = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      sent =
          run(
              "migrate",
              "send",
              "--to",
              addr,
              "--json",
              "--memdev-mib",
              "8",
              "--plot",
              dir.resolve("t.png").toString(),
              "--timeout-ms",
              "5000");
      if (!sent.err().contains("Connection refused")) {
        break;
      }
      Thread.sleep(100); // the receiver is not listening yet
    }
    Result received = receiver.get();
    assertThat(sent.code()).as(sent.out() + sent.err()).isZero();
    assertThat(received.code()).as(received.out() + received.err()).isZero();
    assertThat(sent.out()).startsWith("{\"result\":\"ok\"").contains("\"downtimeMs\":");
    assertThat(received.out()).startsWith("{\"result\":\"ok\"");
    assertThat(digests(sent.out())).hasSize(3).isEqualTo(digests(received.out()));
    assertThat(Files.size(dir.resolve("t.png"))).isPositive();
  }

  @Test
  void aSenderWithNobodyListeningFailsClearlyAndLeavesItsDevicesRunning() throws Exception {
    Result r =
        run(
            "migrate",
            "send",
            "--to",
            "127.0.0.1:" + freePort(),
            "--memdev-mib",
            "4",
            "--timeout-ms",
            "500");
    assertThat(r.code()).isNotZero();
    assertThat(r.out() + r.err()).containsIgnoringCase("refused");
  }

  @Test
  void badAddressesAndDevicesAreUsageErrors() {
    Result bad = run("migrate", "send", "--to", "nowhere", "--memdev-mib", "4");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("jvfio migrate send:");
    Result notMigratable =
        run(
            "migrate",
            "send",
            "--to",
            "127.0.0.1:1",
            "--devices",
            "0000:00:02.0",
            "--memdev-mib",
            "4");
    assertThat(notMigratable.code()).isEqualTo(2);
    assertThat(notMigratable.err()).contains("cannot migrate");
  }
}
