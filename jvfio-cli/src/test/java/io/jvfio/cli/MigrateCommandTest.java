package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrateCommandTest {
  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  private static int freePort() {
    return Loopback.freePort();
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
    Loopback ends =
        Loopback.migrate(
            List.of("--memdev-mib", "8"),
            List.of("--json", "--memdev-mib", "8", "--plot", dir.resolve("t.png").toString()));
    String addr = ends.address();
    CliRun sent = ends.sent();
    CliRun received = ends.received();
    assertThat(sent.code()).as(sent.out() + sent.err()).isZero();
    assertThat(received.code()).as(received.out() + received.err()).isZero();
    assertThat(sent.json().get("result").asText()).isIn(CliRun.MIGRATED);
    assertThat(sent.out()).contains("\"downtimeMs\":");
    assertThat(received.json().get("result").asText()).isIn(CliRun.MIGRATED);
    // stdout keeps the one object; the address a sender needs is on stderr, --json or not
    assertThat(received.err()).contains("jvfio migrate receive: listening on " + addr + "\n");
    assertThat(digests(sent.out())).hasSize(3).isEqualTo(digests(received.out()));
    assertThat(Files.size(dir.resolve("t.png"))).isPositive();
  }

  @Test
  void aSenderWithNobodyListeningFailsClearly() throws Exception {
    CliRun r =
        run(
            "migrate",
            "send",
            "--to",
            "127.0.0.1:" + freePort(),
            "--memdev-mib",
            "4",
            "--timeout-ms",
            "500");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines().getFirst())
        .startsWith("jvfio migrate send: cannot reach the receiver:")
        .contains("refused");
  }

  @Test
  void aRefusedSendWithJsonPrintsAFailureObject() throws Exception {
    CliRun r =
        run(
            "migrate",
            "send",
            "--to",
            "127.0.0.1:" + freePort(),
            "--memdev-mib",
            "4",
            "--timeout-ms",
            "500",
            "--json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.json().get("result").asText()).isEqualTo("failed");
    assertThat(r.json().get("errno").asText()).isEqualTo("ECONNREFUSED");
    assertThat(r.json().get("error").asText()).startsWith("cannot reach the receiver:");
  }

  @Test
  void aReceiverNobodySendsToFailsWithTimedOutAfterSayingWhereItListens() {
    CliRun r =
        run(
            "migrate",
            "receive",
            "--listen",
            "127.0.0.1:0",
            "--memdev-mib",
            "4",
            "--timeout-ms",
            "200",
            "--json");
    assertThat(r.code()).isEqualTo(1);
    List<String> lines = r.err().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches("jvfio migrate receive: listening on 127\\.0\\.0\\.1:[1-9][0-9]*");
    assertThat(lines.get(1)).contains("no sender started a migration within 200 ms");
    assertThat(r.json().get("result").asText()).isEqualTo("failed");
    assertThat(r.json().get("errno").asText()).isEqualTo("ETIMEDOUT");
  }

  @Test
  void badAddressesAndDevicesAreUsageErrors() {
    CliRun bad = run("migrate", "send", "--to", "nowhere", "--memdev-mib", "4");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("jvfio migrate send:");
    CliRun notMigratable =
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
