package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code migrate send/receive --guest-ram-mib}: a VM's RAM moves with its devices, or is refused.
 */
class MigrateGuestRamTest {
  @Test
  void aVmWithGuestRamMigratesOverLoopbackWithEqualRamDigests() throws Exception {
    Loopback ends =
        Loopback.migrate(
            List.of("--memdev-mib", "4", "--guest-ram-mib", "16"),
            List.of(
                "--json",
                "--memdev-mib",
                "4",
                "--guest-ram-mib",
                "16",
                "--guest-dirty-rate",
                "2000",
                "--auto-converge"));
    CliRun sent = ends.sent();
    CliRun received = ends.received();
    assertThat(sent.code()).as(sent.out() + sent.err()).isZero();
    assertThat(received.code()).as(received.out() + received.err()).isZero();
    JsonNode s = sent.json().get("guestRam");
    JsonNode r = received.json().get("guestRam");
    assertThat(s.get("bytes").asLong()).isEqualTo(16L << 20);
    assertThat(s.get("trackingMethod").asText()).isEqualTo("device DMA logging");
    assertThat(s.get("trackingReason").asText()).isEqualTo("every device has it");
    // half the RAM starts zero (the memdevs' DMA writes some of it): zero pages cross as markers
    assertThat(s.get("zeroPages").asLong()).isPositive();
    assertThat(s.get("pagesDirtiedByDevices").asLong()).isPositive();
    assertThat(s.get("digest").asText()).hasSize(64).isEqualTo(r.get("digest").asText());
    // the receiver counts the RAM's passes from the stream, as the sender does
    assertThat(r.get("iterations").asInt()).isEqualTo(s.get("iterations").asInt()).isPositive();
    // what auto-converge did (a 16 MiB VM converges before any period is weighed), and the RAM
    // moved in the downtime, the same at both ends, beside the sender's estimate (pages the
    // running vCPU and devices write after the last sync before they stop come on top of it)
    assertThat(s.get("cpuThrottlePercent").asInt()).isBetween(0, 99);
    assertThat(s.get("stopCopyBytes").asLong()).isEqualTo(r.get("stopCopyBytes").asLong());
    assertThat(s.get("stopCopyEstimateBytes").asLong()).isNotNegative();
    assertThat(r.get("stopCopyEstimateBytes").asLong()).isEqualTo(-1);
  }

  @Test
  void endsWithDifferentRamSizesAreRefusedNamingBoth() throws Exception {
    Loopback ends =
        Loopback.migrate(
            List.of("--memdev-mib", "4", "--guest-ram-mib", "8"),
            List.of("--json", "--memdev-mib", "4", "--guest-ram-mib", "16"));
    CliRun sent = ends.sent();
    assertThat(sent.code()).isEqualTo(1);
    assertThat(sent.json().get("error").asText())
        .contains(
            "the sender migrates 16 MiB of guest RAM but this receiver has 8 MiB: both ends must"
                + " give the same --guest-ram-mib");
  }

  @Test
  void badGuestRamOptionsAreUsageErrors() {
    CliRun negative =
        CliRun.run("migrate", "receive", "--listen", "127.0.0.1:0", "--guest-ram-mib", "-1");
    assertThat(negative.code()).isEqualTo(2);
    assertThat(negative.err())
        .contains("--guest-ram-mib -1: must be 0 (no guest RAM) to 16384 MiB");
    CliRun tracking =
        CliRun.run(
            "migrate",
            "send",
            "--to",
            "127.0.0.1:1",
            "--guest-ram-mib",
            "4",
            "--guest-dirty-tracking",
            "magic");
    assertThat(tracking.code()).isEqualTo(2);
    assertThat(tracking.err())
        .contains("--guest-dirty-tracking magic: must be auto, dma-logging, iommufd or none");
    CliRun noRam =
        CliRun.run("migrate", "send", "--to", "127.0.0.1:1", "--guest-dirty-rate", "100");
    assertThat(noRam.code()).isEqualTo(2);
    assertThat(noRam.err()).contains("--guest-dirty-rate 100: only with --guest-ram-mib N (N > 0)");
    CliRun converge = CliRun.run("migrate", "send", "--to", "127.0.0.1:1", "--auto-converge");
    assertThat(converge.code()).isEqualTo(2);
    assertThat(converge.err())
        .contains("--auto-converge: only with --guest-ram-mib N (N > 0)")
        .doesNotContain("\tat ");
  }

  @Test
  void guestRamIsRefusedOnTheNativeBackendForNow() {
    CliRun r =
        CliRun.run(
            "migrate",
            "send",
            "--to",
            "127.0.0.1:1",
            "--backend",
            "native",
            "--guest-ram-mib",
            "4");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--guest-ram-mib 4: only with --backend emulated for now");
  }
}
