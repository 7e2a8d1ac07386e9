package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --devices} on both ends: a subset moves when both name it, and a mismatch is refused. */
class MigrateDevicesTest {
  private static final String ONE = "0000:05:01.0";

  /** A receiver with {@code receiveArgs} and a sender with {@code sendArgs}, both with --json. */
  private static CliRun[] pair(List<String> receiveArgs, List<String> sendArgs) {
    List<String> rx = new ArrayList<>(List.of("--memdev-mib", "4"));
    rx.addAll(receiveArgs);
    List<String> tx = new ArrayList<>(List.of("--json", "--memdev-mib", "4"));
    tx.addAll(sendArgs);
    Loopback ends = Loopback.migrate(rx, tx);
    return new CliRun[] {ends.sent(), ends.received()};
  }

  @Test
  void aSubsetNamedOnBothEndsMovesAlone() throws Exception {
    CliRun[] ends = pair(List.of("--devices", ONE), List.of("--devices", ONE));
    for (CliRun end : ends) {
      assertThat(end.code()).as(end.both()).isZero();
      JsonNode devices = end.json().get("devices");
      assertThat(devices.size()).isEqualTo(1);
      assertThat(devices.get(0).get("bdf").asText()).isEqualTo(ONE);
    }
    assertThat(ends[0].json().get("devices").get(0).get("digest"))
        .isEqualTo(ends[1].json().get("devices").get(0).get("digest"));
  }

  @Test
  void aSubsetSentToAReceiverOfEveryDeviceIsRefusedBeforeAnyDeviceStops() throws Exception {
    CliRun[] ends = pair(List.of(), List.of("--devices", ONE));
    CliRun sent = ends[0];
    CliRun received = ends[1];
    assertThat(sent.code()).as(sent.both()).isEqualTo(1);
    assertThat(received.code()).as(received.both()).isEqualTo(1);
    JsonNode s = sent.json();
    assertThat(s.get("result").asText()).isEqualTo("failed");
    assertThat(s.get("error").asText()).contains("1").contains("3");
    // the sender's device never left RUNNING
    for (JsonNode d : s.get("devices")) {
      assertThat(d.get("finalState").asText()).isEqualTo("RUNNING");
      assertThat(d.get("precopyBytes").asLong() + d.get("stopCopyBytes").asLong()).isZero();
    }
  }
}
