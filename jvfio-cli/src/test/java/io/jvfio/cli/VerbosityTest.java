package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.memdev.MemoryBudget;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** --verbose and --quiet: what stderr says besides the result and the one line of an error. */
class VerbosityTest {
  @Test
  void aFailureShowsItsStackTraceOnlyWithVerbose() throws Exception {
    try (ServerSocket occupied = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String listen = "127.0.0.1:" + occupied.getLocalPort();
      CliRun plain = CliRun.run("migrate", "receive", "--listen", listen);
      assertThat(plain.code()).isEqualTo(1);
      assertThat(plain.err().lines()).hasSize(1);
      assertThat(plain.err()).doesNotContain("\tat ").doesNotContain("Exception");

      // before the subcommand or after it: the option is inherited
      for (List<String> args :
          List.of(
              List.of("migrate", "receive", "--listen", listen, "--verbose"),
              List.of("--verbose", "migrate", "receive", "--listen", listen))) {
        CliRun verbose = CliRun.run(args.toArray(String[]::new));
        assertThat(verbose.code()).as(verbose.both()).isEqualTo(1);
        List<String> lines = verbose.err().lines().toList();
        assertThat(lines.getFirst()).isEqualTo(plain.err().strip());
        assertThat(verbose.err())
            .contains("jvfio migrate receive: the stack trace of that failure:")
            .contains("io.jvfio.cli.CommandFailure: cannot listen on " + listen)
            .contains("\tat io.jvfio.cli.MigrateCommand$Receive")
            .contains("Caused by: ")
            .contains("Address already in use");
      }
    }
  }

  @Test
  void verboseShowsTheSetupStepsAndQuietNothing() {
    CliRun normal = CliRun.run("topology", "--variant", "host-driver");
    assertThat(normal.code()).isZero();
    assertThat(normal.err()).isEmpty();
    CliRun verbose = CliRun.run("topology", "--variant", "host-driver", "--verbose");
    assertThat(verbose.out()).isEqualTo(normal.out());
    assertThat(verbose.err())
        .startsWith("jvfio topology: building the host from the host-driver host (")
        .contains("jvfio topology: built the host: ");
    CliRun quiet = CliRun.run("--quiet", "topology", "--variant", "host-driver");
    assertThat(quiet.out()).isEqualTo(normal.out());
    assertThat(quiet.err()).isEmpty();
  }

  @Test
  void quietKeepsTheResultAndDropsTheChatter() {
    CliRun normal = CliRun.run("demo", "--memdev-mib", "4", "--dirty-rate", "0");
    assertThat(normal.code()).as(normal.both()).isZero();
    assertThat(normal.out()).contains("live migration of the demo host's devices");
    CliRun quiet = CliRun.run("demo", "--memdev-mib", "4", "--dirty-rate", "0", "--quiet");
    assertThat(quiet.code()).as(quiet.both()).isZero();
    assertThat(quiet.out())
        .doesNotContain("live migration of the demo host's devices")
        .contains("tour: every call succeeded")
        .contains("demo finished: every call succeeded and the devices moved intact");
    assertThat(quiet.err()).isEmpty();
  }

  @Test
  void memdevMemoryBeyondTheBudgetIsRefusedBeforeBuilding() {
    long limitMib = MemoryBudget.shared().limit() >> 20;
    // the demo's four memdev (two per host) just over the budget
    long mib = limitMib / 4 + 1;
    Assumptions.assumeTrue(mib <= Checks.MEMDEV_MIB_MAX, "a budget this large fits any memdev");
    long built = Hosts.built();
    CliRun r = CliRun.run("demo", "--memdev-mib", Long.toString(mib));
    assertThat(r.code()).as(r.both()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "jvfio demo: --memdev-mib "
                + mib
                + ": 4 memdev devices of "
                + mib
                + " MiB need "
                + 4 * mib
                + " MiB, more than the "
                + limitMib
                + " MiB this JVM may give device memory (choose fewer MiB, or set"
                + " -Djvfio.memdev.budget=SIZE in JVFIO_JAVA_OPTS)\n");
    assertThat(Hosts.built()).isEqualTo(built);
  }
}
