package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A migration that fails after the source devices left RUNNING: both commands fail, and every
 * device runs again on both ends, as each end's report (read back from the device) says.
 */
class MigrateRecoveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aReceiverThatRejectsTheStateMidwayLeavesEveryDeviceRunningOnBothEnds() throws Exception {
    // the receiver's memdevs are twice the sender's: it rejects the first chunk past its own size
    // (or the identities at the handshake), after the source devices entered precopy
    Loopback ends =
        Loopback.migrate(
            List.of("--memdev-mib", "8", "--timeout-ms", "20000"),
            List.of("--json", "--memdev-mib", "4"));
    CliRun sent = ends.sent();
    CliRun received = ends.received();
    assertThat(sent.code()).as(sent.both()).isEqualTo(1);
    assertThat(received.code()).as(received.both()).isEqualTo(1);
    for (CliRun end : new CliRun[] {sent, received}) {
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
