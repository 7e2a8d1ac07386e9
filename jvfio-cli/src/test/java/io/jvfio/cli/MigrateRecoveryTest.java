package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A migration that fails after the source devices left RUNNING: both commands fail, and every
 * device runs again on both ends, as each end's report (read back from the device) says.
 */
class MigrateRecoveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  @Test
  void aReceiverThatRejectsTheStateMidwayLeavesEveryDeviceRunningOnBothEnds() throws Exception {
    String addr = "127.0.0.1:" + freePort();
    // the receiver's memdevs are twice the sender's: it rejects the first chunk past its own size
    // (or the identities at the handshake), after the source devices entered precopy
    CompletableFuture<Result> receiver =
        CompletableFuture.supplyAsync(() ->
            run(
                "migrate",
                "receive",
                "--listen",
                addr,
                "--json",
                "--memdev-mib",
                "8",
                "--timeout-ms",
                "20000"));
    Result sent = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      sent =
          run(
              "migrate",
              "send",
              "--to",
              addr,
              "--json",
              "--memdev-mib",
              "4",
              "--timeout-ms",
              "5000");
      if (!(sent.out() + sent.err()).contains("refused")) {
        break;
      }
      Thread.sleep(100); // the receiver is not listening yet
    }
    Result received = receiver.get();
    assertThat(sent.code()).as(sent.out() + sent.err()).isEqualTo(1);
    assertThat(received.code()).as(received.out() + received.err()).isEqualTo(1);
    for (Result end : new Result[] {sent, received}) {
      JsonNode report = JSON.readTree(end.out().strip());
      assertThat(report.path("result").asText()).as(end.out()).isEqualTo("failed");
      JsonNode devices = report.path("devices");
      assertThat(devices.size()).as(end.out()).isEqualTo(3);
      for (JsonNode d : devices) {
        assertThat(d.path("finalState").asText()).as(d.toString()).isEqualTo("RUNNING");
      }
    }
  }
}
