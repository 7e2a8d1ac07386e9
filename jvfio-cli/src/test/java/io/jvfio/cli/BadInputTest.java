package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvfio.host.DefaultHost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10's table of bad command lines. Each must get its exit code (2 for the command line, 1 for
 * a failure at run time), exactly one line on stderr that starts with the command's name and says
 * what was wrong (the option, the value, what is allowed), no stack trace anywhere, nothing on
 * stdout; and, when it was refused for its input, no host built. With {@code --json} the same
 * line's sentence comes as one JSON object on stdout.
 */
class BadInputTest {
  private static final Set<String> COMMANDS =
      Set.of(
          "demo",
          "topology",
          "fsm",
          "reset",
          "conformance",
          "migrate",
          "send",
          "receive",
          "bench",
          "state",
          "compare",
          "save",
          "load",
          "move",
          "datafd",
          "scale",
          "migration");

  /**
   * One bad command line. {@code line} is split on spaces after the placeholders are filled in;
   * {@code mayBuild}: a host may be built before the failure (the peer is only found missing then);
   * {@code jsonToo}: the same line with {@code --json} appended is checked too; {@code says}: what
   * the stderr line must contain.
   */
  record Row(String line, int code, boolean mayBuild, boolean jsonToo, List<String> says) {
    List<String> args() {
      String filled = fill(line);
      return filled.isEmpty() ? List.of() : Arrays.asList(filled.split(" "));
    }

    /** "jvfio migrate send": the command the line runs, as errors name it. */
    String command() {
      List<String> words = new ArrayList<>(List.of("jvfio"));
      for (String a : args()) {
        if (!COMMANDS.contains(a)) {
          break;
        }
        words.add(a);
      }
      return String.join(" ", words);
    }

    @Override
    public String toString() {
      return "jvfio " + line;
    }
  }

  @TempDir static Path dir;
  private static ServerSocket occupied;
  private static int closedPort;

  @BeforeAll
  static void inputs() throws IOException {
    Files.createDirectory(dir.resolve("a-directory"));
    Files.write(
        dir.resolve("latin1.topology"),
        "# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)); // 0xe9 alone: not UTF-8
    Files.writeString(
        dir.resolve("big-group.topology"),
        "function 0000:00:03.0 1234:11e8 driver=vfio-pci:edu group=99999999999\n");
    Files.writeString(
        dir.resolve("no-model.topology"),
        "function 0000:00:03.0 1234:11e8 driver=vfio-pci:nosuch group=4\n");
    Files.writeString(
        dir.resolve("edu-only.topology"),
        "function 0000:00:03.0 1234:11e8 driver=vfio-pci:edu group=4\n");
    Files.writeString(
        dir.resolve("host-driver.topology"), DefaultHost.text("default-host-driver.topology"));
    Files.writeString(dir.resolve("exists.state"), "a saved state of some bytes");
    Files.createFile(dir.resolve("empty.state"));
    occupied = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
  }

  @AfterAll
  static void release() throws IOException {
    occupied.close();
  }

  /**
   * The placeholders: {dir} the temporary directory, {occupied} a port in use, {closed} a free one.
   */
  static String fill(String line) {
    return line.replace("{dir}", dir.toString())
        .replace("{occupied}", Integer.toString(occupied.getLocalPort()))
        .replace("{closed}", Integer.toString(closedPort));
  }

  private static Row usage(String line, String... says) {
    return new Row(line, 2, false, true, List.of(says));
  }

  /** A usage error whose line would change meaning with {@code --json} appended. */
  private static Row usageAlone(String line, String... says) {
    return new Row(line, 2, false, false, List.of(says));
  }

  private static Row failure(String line, boolean mayBuild, String... says) {
    return new Row(line, 1, mayBuild, true, List.of(says));
  }

  static List<Row> rows() {
    String send = "migrate send --to 127.0.0.1:1 ";
    return List.of(
        // no subcommand, unknown words
        usageAlone(
            "",
            "a subcommand is needed: demo, topology, fsm, reset, conformance, compare, migrate,"
                + " state, bench"),
        usageAlone("migrate", "a subcommand is needed: send, receive"),
        usageAlone("bench", "a subcommand is needed: datafd, migration, guest-ram, scale"),
        usageAlone("--bogus", "unknown option --bogus", "(see jvfio --help)"),
        usageAlone("nope", "unknown subcommand nope", "demo, topology"),
        usage("demo --jsn", "unknown option --jsn", "did you mean --json?"),
        usage("demo extra", "unexpected argument extra", "(see jvfio demo --help)"),
        usage("demo --verbose --quiet", "--verbose and --quiet: choose one"),
        // demo
        usage("demo --memdev-mib 0", "--memdev-mib 0: must be 1 to 65536 MiB"),
        usage("demo --memdev-mib 900000", "--memdev-mib 900000: must be 1 to 65536 MiB"),
        usage(
            "demo --memdev-mib 17592186044417",
            "--memdev-mib 17592186044417: must be 1 to 65536 MiB"),
        usage("demo --memdev-mib -1", "--memdev-mib -1: must be 1 to 65536 MiB"),
        usage("demo --memdev-mib x", "--memdev-mib x: not a whole number"),
        usage("demo --memdev-mib 99999999999999999999", "--memdev-mib 99999999999999999999: too"),
        usageAlone("demo --memdev-mib", "--memdev-mib needs a value (N)"),
        usage("demo --dirty-rate -5", "--dirty-rate -5: must be a number from 0 to 1000000"),
        usage("demo --dirty-rate NaN", "--dirty-rate NaN: must be a number from 0 to 1000000"),
        usage("demo --dirty-rate Infinity", "--dirty-rate Infinity: must be a number from 0"),
        usage("demo --dirty-rate 1e9", "--dirty-rate 1000000000: must be a number from 0"),
        usage("demo --dirty-rate lots", "--dirty-rate lots: not a number"),
        usage("demo --plot {dir}/a-directory", "--plot {dir}/a-directory: is a directory"),
        usage("demo --plot {dir}/none/t.png", "--plot {dir}/none/t.png: no such directory"),
        // migrate send: addresses
        usage("migrate send", "missing --to HOST:PORT", "(see jvfio migrate send --help)"),
        usageAlone("migrate send --to", "--to needs a value (HOST:PORT)"),
        usage("migrate send --to nowhere", "--to nowhere: missing port"),
        usage("migrate send --to 127.0.0.1:99999", "--to 127.0.0.1:99999: port", "0-65535"),
        usage("migrate send --to 127.0.0.1:-1", "--to 127.0.0.1:-1: port", "0-65535"),
        usage("migrate send --to 127.0.0.1:", "--to 127.0.0.1:: missing port"),
        usage("migrate send --to :4444", "--to :4444: missing host"),
        usage("migrate send --to [::1", "--to [::1: missing ']'"),
        usage("migrate send --to ::1:4444", "--to ::1:4444:", "in brackets"),
        usage("migrate send --to 127.0.0.1:0", "--to 127.0.0.1:0: port 0"),
        // migrate send: times and workload
        usage(send + "--downtime-ms 0", "--downtime-ms 0: must be 1 to 3600000 ms"),
        usage(send + "--downtime-ms -1", "--downtime-ms -1: must be 1 to 3600000 ms"),
        usage(
            send + "--downtime-ms 9223372036854775807",
            "--downtime-ms 9223372036854775807: must be 1 to 3600000 ms"),
        usage(send + "--timeout-ms 0", "--timeout-ms 0: must be 1 to 86400000 ms"),
        usage(
            send + "--deadline-ms 9223372036854775807",
            "--deadline-ms 9223372036854775807: must be 1 to 86400000 ms"),
        usage(send + "--max-precopy-ms -5", "--max-precopy-ms -5: must be 1 to 86400000 ms"),
        usage(
            send + "--on-no-convergence sometimes",
            "--on-no-convergence sometimes: must be keep-iterating, fail or switchover"),
        usage(send + "--dirty-rate -5", "--dirty-rate -5: must be a number from 0"),
        usage(send + "--memdev-mib 0", "--memdev-mib 0: must be 1 to 65536 MiB"),
        // migrate send: devices
        usage(
            send + "--devices 0000:05:00.0,0000:05:00.0",
            "--devices 0000:05:00.0,0000:05:00.0: 0000:05:00.0 is named twice"),
        usage(
            send + "--devices 0000:05:00.0,05:00.0",
            "--devices 0000:05:00.0,05:00.0: 0000:05:00.0 is named twice"),
        usage(
            send + "--devices 0000:09:00.0",
            "--devices 0000:09:00.0: no function 0000:09:00.0 on the demo host",
            "0000:05:00.0"),
        usage(send + "--devices zz", "--devices zz: 'zz' is not a PCI address"),
        usage(send + "--devices 0000:00:02.0", "--devices 0000:00:02.0:", "cannot migrate"),
        usage(
            send + "--devices 0000:02:02.0 --topology {dir}/host-driver.topology",
            "--devices 0000:02:02.0: 0000:02:02.0 is bound to host:igb, not vfio-pci"),
        // migrate on the native backend: the emulator's options are refused
        usage(
            send + "--backend native --memdev-mib 8",
            "--memdev-mib 8: only with --backend emulated"),
        usage(
            send + "--backend native --dirty-rate 5",
            "--dirty-rate 5: only with --backend emulated"),
        usage(
            send + "--backend native --topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: only with --backend emulated",
            "sysfs"),
        usage(
            "migrate receive --listen 127.0.0.1:0 --backend native --memdev-mib 8",
            "--memdev-mib 8: only with --backend emulated"),
        // topology files, through --topology
        usage(send + "--topology {dir}/missing", "--topology {dir}/missing: no such file"),
        usage(send + "--topology {dir}/a-directory", "--topology {dir}/a-directory: is a direc"),
        usage(
            send + "--topology {dir}/latin1.topology",
            "--topology {dir}/latin1.topology: not UTF-8 text (byte 0xe9 at offset 5, line 1)"),
        usage(
            send + "--topology {dir}/big-group.topology",
            "--topology {dir}/big-group.topology: line 1: group must be",
            "99999999999"),
        usage(
            send + "--topology {dir}/no-model.topology",
            "--topology {dir}/no-model.topology: 0000:00:03.0 names the device model nosuch"),
        usage(
            send + "--topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: has no device that can migrate"),
        // migrate send: the receiver is not there
        failure(
            "migrate send --to 127.0.0.1:{closed} --memdev-mib 4 --timeout-ms 2000",
            true,
            "cannot reach the receiver",
            "127.0.0.1:{closed}",
            "(ECONNREFUSED)"),
        // migrate receive
        usage("migrate receive", "missing --listen HOST:PORT"),
        usage("migrate receive --listen localhost", "--listen localhost: missing port"),
        usage(
            "migrate receive --listen 127.0.0.1:0 --timeout-ms 0",
            "--timeout-ms 0: must be 1 to 86400000 ms"),
        usage(
            "migrate receive --listen 127.0.0.1:0 --topology {dir}/missing",
            "--topology {dir}/missing: no such file"),
        failure(
            "migrate receive --listen 127.0.0.1:{occupied}",
            false,
            "cannot listen on 127.0.0.1:{occupied}: Address already in use",
            "(EADDRINUSE)"),
        failure(
            "migrate receive --listen 203.0.113.1:0",
            false,
            "cannot listen on 203.0.113.1:0: Cannot assign requested address",
            "(EADDRNOTAVAIL)"),
        // topology
        usage("topology {dir}/missing", "{dir}/missing: no such file"),
        usage("topology {dir}/a-directory", "{dir}/a-directory: is a directory"),
        usage("topology {dir}/latin1.topology", "{dir}/latin1.topology: not UTF-8 text"),
        usage(
            "topology {dir}/big-group.topology",
            "line 1: group must be a decimal number from 0 to 999999999, got 99999999999"),
        usage("topology --variant nope", "--variant nope: unknown host", "default, host-driver"),
        usage(
            "topology {dir}/edu-only.topology --variant host-driver",
            "--variant host-driver: give either FILE or --variant"),
        usageAlone("topology --json --json-array", "--json and --json-array: choose one"),
        // reset
        usage("reset", "missing --device BDF"),
        usage(
            "reset --device 0000:00:1c.0",
            "--device 0000:00:1c.0: bound to host:pcieport, not vfio-pci"),
        usage("reset --device 0000:09:00.0", "--device 0000:09:00.0: no such function"),
        usage("reset --device zz", "--device zz: 'zz' is not a PCI address"),
        usage("reset --device 0000:02:01.0 --as foo", "--as foo: must be one of cdev, group"),
        usage(
            "reset --device 0000:02:01.0 --topology {dir}/a-directory",
            "--topology {dir}/a-directory: is a directory"),
        // conformance
        usage(
            "conformance --device 0000:00:1c.0",
            "--device 0000:00:1c.0: bound to host:pcieport, not vfio-pci"),
        usage("conformance --device 0000:09:00.0", "--device 0000:09:00.0: no such function"),
        usage(
            "conformance --device zz",
            "--device zz: 'zz' is not a PCI address (DDDD:BB:SS.F, as 0000:05:00.0), an mdev's UUID or a cdev path"),
        usage("conformance --backend nativ", "--backend nativ: must be one of emulated, native"),
        usage(
            "conformance --backend native --topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: only with --backend emulated"),
        // the native backend: what it cannot do is said before anything is opened
        usage(
            "topology --backend native {dir}/edu-only.topology",
            "FILE {dir}/edu-only.topology: only with --backend emulated"),
        usage(
            "topology --backend native --variant host-driver",
            "--variant host-driver: only with --backend emulated"),
        usage(
            "reset --backend native --device 0000:02:01.0 --topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: only with --backend emulated"),
        usage(
            "fsm --backend native --device 0000:02:01.0 --topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: only with --backend emulated"),
        usage("reset --backend native --device zz", "--device zz: 'zz' is not a PCI address"),
        usage(
            "fsm --backend native --device zz",
            "--device zz: 'zz' is not a PCI address (DDDD:BB:SS.F, as 0000:05:00.0), an mdev's UUID or a cdev path"),
        usage("conformance --backend native --device zz", "--device zz: 'zz' is not a PCI address"),
        usage("demo --backend native", "--backend native: the demo builds its two hosts"),
        usage("bench datafd --backend native", "--backend native: bench times calls"),
        usage("bench migration --backend native", "--backend native: bench times calls"),
        usage("bench scale --backend native", "--backend native: bench times calls"),
        // a cdev path is looked up on the built host
        new Row(
            "conformance --device /dev/vfio/devices/vfio999",
            2,
            true,
            true,
            List.of(
                "--device /dev/vfio/devices/vfio999: no such vfio device; the vfio devices of")),
        // state: files and limits are checked before the host is built
        usageAlone("state", "a subcommand is needed: save, load, move"),
        // compare reads two files; CompareCommandTest has its file rows
        usage("compare", "missing NATIVE.json"),
        usage("compare {dir}/none.json {dir}/none.json", "none.json: no such file"),
        usage("state save --out {dir}/new.state", "missing --device DEV"),
        usage("state save --device 0000:05:00.0", "missing --out FILE"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/a-directory",
            "--out {dir}/a-directory: is a directory"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/none/new.state",
            "--out {dir}/none/new.state: no such directory"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/exists.state",
            "--out {dir}/exists.state: exists; give --force to replace it"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/new.state --max-bytes 0",
            "--max-bytes 0: must be 1 to 1099511627776 bytes"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/new.state --deadline-ms 0",
            "--deadline-ms 0: must be 1 to 86400000 ms"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/new.state --topology {dir}/missing",
            "--topology {dir}/missing: no such file"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/new.state --backend native"
                + " --topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: only with --backend emulated"),
        usage(
            "state load --device 0000:05:00.0 --in {dir}/missing",
            "--in {dir}/missing: no such file"),
        usage(
            "state load --device 0000:05:00.0 --in {dir}/a-directory",
            "--in {dir}/a-directory: is a directory"),
        usage(
            "state load --device 0000:05:00.0 --in {dir}/empty.state",
            "--in {dir}/empty.state: is empty"),
        usage(
            "state load --device 0000:05:00.0 --in {dir}/exists.state --max-bytes 4",
            "--in {dir}/exists.state: is 27 bytes, more than --max-bytes 4"),
        usage(
            "state load --device 0000:05:00.0 --in {dir}/exists.state --resave {dir}/exists.state",
            "--resave {dir}/exists.state: exists; give --force"),
        usage("state load --device 0000:05:00.0", "missing --in FILE"),
        usage(
            "state save --device 0000:05:00.0 --out {dir}/new.state --as foo",
            "--as foo: must be one of cdev, group"),
        usage(
            "state move --from 0000:05:00.0 --to 0000:05:00.0", "--to 0000:05:00.0: is --from too"),
        usage("state move --from 0000:05:00.0", "missing --to DEV"),
        // state: the devices are looked up on the built host, none is opened
        new Row(
            "state save --device 0000:09:00.0 --out {dir}/new.state",
            2,
            true,
            true,
            List.of("--device 0000:09:00.0: no such vfio device", "0000:05:00.0")),
        new Row(
            "state save --device 0000:00:02.0 --out {dir}/new.state",
            2,
            true,
            true,
            List.of("--device 0000:00:02.0: 0000:00:02.0 (vfio-pci) cannot migrate")),
        new Row(
            "state load --device 0000:02:00.0 --in {dir}/exists.state",
            2,
            true,
            true,
            List.of("--device 0000:02:00.0: 0000:02:00.0 (vfio-pci) cannot migrate")),
        new Row(
            "state move --from 0000:05:00.0 --to 0000:05:02.0",
            2,
            true,
            true,
            List.of("--to 0000:05:02.0: 0000:05:02.0 (1b36:0002 vfio-pci", "is not of the kind")),
        new Row(
            "state move --from 0000:05:00.0 --to 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",
            2,
            true,
            true,
            List.of("--to 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001: no such vfio device")),
        // fsm
        usage("fsm --flags 2", "--flags 2: must be 1, 3, 5 or 7"),
        usage("fsm --flags x", "--flags x: must be 1, 3, 5 or 7"),
        usageAlone("fsm --dot --json --flags 1", "--json and --dot: choose one"),
        usage("fsm", "missing --flags F"),
        usageAlone("fsm --device 0000:01:00.0 --dot", "--dot with --device: only for the probe"),
        usage(
            "fsm --flags 7 --topology {dir}/edu-only.topology",
            "--topology {dir}/edu-only.topology: only with --device"),
        usage("fsm --flags 7 --backend native", "--backend native: needs --device"),
        usage("fsm --device 0000:09:00.0", "--device 0000:09:00.0: no such function"),
        usage(
            "fsm --device 83b8f4f2-509f-382f-3c1e-e6bfe0fa1009",
            "--device 83b8f4f2-509f-382f-3c1e-e6bfe0fa1009: no such mdev on the demo host"),
        usage("fsm --device 0000:00:1c.0", "--device 0000:00:1c.0: bound to host:pcieport"),
        // bench settings
        usage("bench datafd --iterations 0", "--iterations 0: must be 1 to 1000000"),
        usage("bench scale --time-ms -1", "--time-ms -1: must be 1 to 1000000"),
        usage("bench datafd --forks x", "--forks x: not a whole number"),
        usage("bench datafd --chunks 4096,0", "--chunks 4096,0: "),
        usage("bench migration --memdev-mib 0", "--memdev-mib 0: ", "1-16384 MiB"),
        usage("bench migration --limits-ms 300,0", "--limits-ms 300,0: ", "1-3600000 ms"),
        usage("bench migration --dirty-rate -1", "--dirty-rate -1: ", "0-10000000"));
  }

  @Test
  void theTableIsLargeAndHasNoRowTwice() {
    List<Row> rows = rows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(40);
    Set<String> lines = new HashSet<>();
    for (Row r : rows) {
      assertThat(lines.add(r.line())).as("twice: %s", r.line()).isTrue();
      assertThat(r.says()).as("%s says nothing", r.line()).isNotEmpty();
    }
    // both kinds are there, and most rows are refused before anything is built (the ones that
    // name a device of jvfio state look it up on the built host)
    assertThat(rows).anyMatch(r -> r.code() == 1).anyMatch(r -> r.code() == 2);
    assertThat(rows.stream().filter(r -> !r.mayBuild()).count()).isGreaterThan(rows.size() - 9);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void eachBadInputGetsOneLineAndItsExitCode(Row row) {
    long built = Hosts.built();
    CliRun r = CliRun.run(row.args().toArray(String[]::new));
    assertThat(r.code()).as(r.both()).isEqualTo(row.code());
    List<String> lines = r.errLines();
    assertThat(lines).as(r.both()).hasSize(1);
    String line = lines.getFirst();
    assertThat(line).startsWith(row.command() + ": ");
    for (String s : row.says()) {
      assertThat(line).contains(fill(s));
    }
    noStackTrace(r);
    if (!row.args().contains("--json")) {
      assertThat(r.out()).as(r.both()).isEmpty();
    } else {
      sameSentenceAsJson(row, r, line);
    }
    if (!row.mayBuild()) {
      assertThat(Hosts.built()).as("hosts built for %s", row).isEqualTo(built);
    }
  }

  @ParameterizedTest(name = "{0} --json")
  @MethodSource("rows")
  void withJsonTheSameErrorIsOneObjectOnStdout(Row row) {
    if (!row.jsonToo() || row.args().contains("--json")) {
      return;
    }
    List<String> args = new ArrayList<>(row.args());
    args.add("--json");
    CliRun r = CliRun.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.both()).isEqualTo(row.code());
    List<String> lines = r.errLines();
    assertThat(lines).as(r.both()).hasSize(1);
    noStackTrace(r);
    sameSentenceAsJson(row, r, lines.getFirst());
  }

  /** Stdout is one object: result usage or failed as the exit code says, the line's sentence. */
  private static void sameSentenceAsJson(Row row, CliRun r, String line) {
    JsonNode json = r.json();
    assertThat(json.get("result").asText()).isEqualTo(row.code() == 2 ? "usage" : "failed");
    String error = json.get("error").asText();
    assertThat(error).isNotBlank();
    assertThat(line).isEqualTo(row.command() + ": " + error + suffix(line, error));
    if (row.code() == 1) {
      assertThat(json.get("errno").asText()).matches("E[A-Z]+");
      assertThat(line).contains(json.get("errno").asText());
    } else {
      assertThat(json.has("errno")).isFalse();
    }
  }

  /** What the stderr line adds after the JSON's sentence: a help hint or the errno, or nothing. */
  private static String suffix(String line, String error) {
    int at = line.indexOf(error);
    String rest = at < 0 ? line : line.substring(at + error.length());
    assertThat(rest).matches("|( \\(see jvfio[a-z ]* --help\\))|( \\(E[A-Z]+\\))");
    return rest;
  }

  private static void noStackTrace(CliRun r) {
    for (String stream : List.of(r.out(), r.err())) {
      assertThat(stream)
          .as(r.both())
          .doesNotContain("Exception")
          .doesNotContain("at io.")
          .doesNotContain("at java.")
          .doesNotContain("\tat ");
    }
  }
}
