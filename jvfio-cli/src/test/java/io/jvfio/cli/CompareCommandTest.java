package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code jvfio compare}: small hand-written outputs, real emulator outputs, and bad input. */
class CompareCommandTest {
  @TempDir Path dir;

  private static final String MTTY = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

  /** A conformance output with one device and the given checks ("name status actual" each). */
  private static String conformance(String device, String... checks) {
    StringBuilder sb = new StringBuilder("{\"result\":\"ok\",\"backend\":\"x\",\"devices\":[");
    sb.append(device(device, checks));
    return sb.append("],\"counts\":{}}").toString();
  }

  private static String device(String device, String... checks) {
    StringBuilder sb =
        new StringBuilder("{\"device\":\"" + device + "\",\"cdev\":\"/c\",\"checks\":[");
    for (int i = 0; i < checks.length; i++) {
      String[] f = checks[i].split(" ", 3);
      sb.append(i == 0 ? "" : ",")
          .append("{\"name\":\"")
          .append(f[0])
          .append("\",\"source\":\"s\",\"status\":\"")
          .append(f[1])
          .append("\",\"expected\":\"e\",\"actual\":\"")
          .append(f.length > 2 ? f[2] : "")
          .append("\"}");
    }
    return sb.append("]}").toString();
  }

  private Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  private CliRun compare(Path a, Path b, String... more) {
    List<String> args = new ArrayList<>(List.of("compare", a.toString(), b.toString()));
    args.addAll(List.of(more));
    return CliRun.run(args.toArray(String[]::new));
  }

  @Test
  void equalOutputsAgreeCheckByCheck() throws IOException {
    Path a = file("n.json", conformance(MTTY, "bind.ok pass ok", "attach.ioas pass ok"));
    Path b = file("e.json", conformance(MTTY, "bind.ok pass ok", "attach.ioas pass ok"));
    CliRun r = compare(a, b);
    assertThat(r.code()).as(r.both()).isZero();
    assertThat(r.out())
        .contains("device " + MTTY)
        .contains("equal          bind.ok: pass ok")
        .contains("result: ok, 2 checks: 2 equal, 0 known, 0 differ");
    assertThat(r.err()).isEmpty();
  }

  /** compare opens no device: a --backend given to it would be ignored, so it is refused. */
  @Test
  void aBackendIsRefusedWhereverItIsGiven() throws IOException {
    Path a = file("n.json", conformance(MTTY, "bind.ok pass ok"));
    Path b = file("e.json", conformance(MTTY, "bind.ok pass ok"));
    for (String[] args :
        List.of(
            new String[] {"compare", "--backend", "native", a.toString(), b.toString()},
            new String[] {"--backend", "emulated", "compare", a.toString(), b.toString()})) {
      CliRun r = CliRun.run(args);
      assertThat(r.code()).as(r.both()).isEqualTo(2);
      assertThat(r.err())
          .contains("jvfio compare reads two JSON files and opens no devices")
          .doesNotContain("\tat ");
      assertThat(r.out()).isEmpty();
    }
    assertThat(compare(a, b).code()).isZero();
  }

  @Test
  void aDifferentActualOrStatusDiffers() throws IOException {
    Path a = file("n.json", conformance(MTTY, "bind.tail pass EINVAL", "reset pass ok"));
    Path b = file("e.json", conformance(MTTY, "bind.tail pass E2BIG", "reset fail ok"));
    CliRun r = compare(a, b);
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.out())
        .contains("DIFFERS        bind.tail: native pass EINVAL | emulated pass E2BIG")
        .contains("DIFFERS        reset: native pass ok | emulated fail ok")
        .contains("result: failed, 2 checks: 0 equal, 0 known, 2 differ");

    JsonNode j = compare(a, b, "--json").json();
    assertThat(j.get("result").asText()).isEqualTo("failed");
    assertThat(j.get("kind").asText()).isEqualTo("conformance");
    JsonNode c = j.get("devices").get(0).get("checks").get(0);
    assertThat(c.get("outcome").asText()).isEqualTo("differs");
    assertThat(c.get("nativeSide").get("actual").asText()).isEqualTo("EINVAL");
    assertThat(c.get("emulatedSide").get("actual").asText()).isEqualTo("E2BIG");
    assertThat(j.get("counts").get("differs").asLong()).isEqualTo(2);
    assertThat(j.get("error").asText()).startsWith("2 checks differ");
  }

  @Test
  void aCheckOnOneSideOnlyIsADifference() throws IOException {
    Path a = file("n.json", conformance(MTTY, "bind.ok pass ok", "old pass ok"));
    Path b = file("e.json", conformance(MTTY, "bind.ok pass ok", "feature.index-12 pass ok"));
    CliRun r = compare(a, b);
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.out())
        .contains("NATIVE ONLY    old: pass ok")
        .contains("EMULATED ONLY  feature.index-12: pass ok")
        .contains("1 equal, 0 known, 0 differ, 1 native only, 1 emulated only");
  }

  @Test
  void knownDifferencesAreReportedAsKnownAndDoNotFail() throws IOException {
    Path a = file("n.json", conformance(MTTY, "bind.tail pass EINVAL", "x.y pass ok"));
    Path b =
        file(
            "e.json",
            conformance(MTTY, "bind.tail pass E2BIG", "x.y pass ok", "feature.index-12 pass ok"));
    Path known =
        file(
            "known.txt",
            """
            # newer than 6.12
            bind.t?il          86624ba3b522  BIND reads 24 bytes since 6.17
            feature.index-*    d7140b5dde45  index 12 is 7.1   # comment
            never.seen         0123456789ab  not in these outputs
            """);
    CliRun r = compare(a, b, "--known", known.toString());
    assertThat(r.code()).as(r.both()).isZero();
    assertThat(r.out())
        .contains(
            "known          bind.tail: native pass EINVAL | emulated pass E2BIG  [86624ba3b522 BIND"
                + " reads 24 bytes since 6.17]")
        .contains("known          feature.index-12: native (no check) | emulated pass ok")
        .contains("note: known difference never.seen (0123456789ab) did not occur")
        .contains("result: ok, 3 checks: 1 equal, 2 known, 0 differ");
    JsonNode j = compare(a, b, "--known", known.toString(), "--json").json();
    assertThat(j.get("result").asText()).isEqualTo("ok");
    assertThat(j.get("devices").get(0).get("checks").get(0).get("commit").asText())
        .isEqualTo("86624ba3b522");
    assertThat(j.get("unusedKnown").get(0).asText()).isEqualTo("never.seen");
    assertThat(j.has("error")).isFalse();
  }

  @Test
  void devicesPairByNameThenByPosition() throws IOException {
    String n =
        "{\"devices\":["
            + device("0000:01:01.0", "a pass 1")
            + ","
            + device(MTTY, "a pass 2")
            + ","
            + device("native-name", "a pass 3")
            + ","
            + device("only-native", "a pass 4")
            + "]}";
    String e =
        "{\"devices\":["
            + device(MTTY, "a pass 2")
            + ","
            + device("other-name", "a pass 3")
            + ","
            + device("0000:01:01.0", "a pass 1")
            + "]}";
    CliRun r = compare(file("n.json", n), file("e.json", e));
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.out())
        .contains("device 0000:01:01.0\n  equal          a: pass 1")
        .contains("device " + MTTY + "\n  equal          a: pass 2")
        .contains(
            "device native-name with other-name (paired by position)\n  equal          a: pass 3")
        .contains("device only-native: native only\n  NATIVE ONLY    a: pass 4");
  }

  @Test
  void fsmOutputsCompareEveryPairWithAllItsFields() throws IOException {
    String n =
        """
        {"result":"ok","backend":"native","device":"%s","flags":7,"paths":[
          {"from":"RUNNING","to":"STOP","state":"STOP","dataFd":false},
          {"from":"STOP","to":"ERROR","errno":"EINVAL","state":"STOP"},
          {"from":"ERROR","to":"STOP","skipped":"ERROR cannot be reached on a real device"}]}
        """
            .formatted(MTTY);
    String e =
        n.replace(
            "\"errno\":\"EINVAL\",\"state\":\"STOP\"", "\"errno\":\"EINVAL\",\"state\":\"ERROR\"");
    CliRun r = compare(file("n.json", n), file("e.json", e));
    assertThat(r.code()).as(r.both()).isEqualTo(1);
    assertThat(r.out())
        .startsWith("fsm: ")
        .contains("equal          RUNNING->STOP: ok {\"dataFd\":false,\"state\":\"STOP\"}")
        .contains(
            "DIFFERS        STOP->ERROR: native errno {\"errno\":\"EINVAL\",\"state\":\"STOP\"} |"
                + " emulated errno {\"errno\":\"EINVAL\",\"state\":\"ERROR\"}")
        .contains("equal          ERROR->STOP: skip");
  }

  @Test
  void twoRunsOfTheEmulatorOnTheLabMirrorAreEqualAndOneChangedAnswerIsSeen() throws IOException {
    String topo = "../jvfio-host/src/main/resources/io/jvfio/host/lab-vm.topology";
    CliRun run = CliRun.run("conformance", "--destructive", "--topology", topo, "--json");
    assertThat(run.code()).as(run.both()).isZero();
    Path a = file("a.json", run.out());
    Path b =
        file(
            "b.json",
            CliRun.run("conformance", "--destructive", "--topology", topo, "--json").out());
    JsonNode same = compare(a, b, "--json").json();
    assertThat(same.get("result").asText()).isEqualTo("ok");
    assertThat(same.get("counts").get("checks").asLong())
        .isEqualTo(same.get("counts").get("equal").asLong())
        .isGreaterThan(400);

    // the mechanism: one answer changed in one file is found, and only that one
    Path c =
        file("c.json", run.out().replaceFirst("\"actual\":\"ENOTTY\"", "\"actual\":\"EINVAL\""));
    JsonNode changed = compare(a, c, "--json").json();
    assertThat(changed.get("result").asText()).isEqualTo("failed");
    assertThat(changed.get("counts").get("differs").asLong()).isEqualTo(1);

    Path f1 = file("f1.json", CliRun.run("fsm", "--flags", "7", "--json").out());
    Path f2 = file("f2.json", CliRun.run("fsm", "--flags", "7", "--json").out());
    CliRun fsm = compare(f1, f2);
    assertThat(fsm.code()).as(fsm.both()).isZero();
    assertThat(fsm.out()).contains("result: ok, 64 checks: 64 equal");
  }

  static Stream<Arguments> badInput() {
    String ok = conformance(MTTY, "a pass ok");
    return Stream.of(
        Arguments.of("missing", null, "n.json: no such file"),
        Arguments.of("directory", "DIR", "n.json: is a directory"),
        Arguments.of("empty", "", "n.json: is empty, not a JSON object"),
        Arguments.of("not JSON", "conformance output", "n.json: is not JSON ("),
        Arguments.of("truncated", ok.substring(0, 40), "n.json: is not JSON ("),
        Arguments.of("array", "[1,2]", "n.json: is JSON but not an object"),
        Arguments.of("other shape", "{\"result\":\"ok\",\"flags\":7}", "has neither \"devices\""),
        Arguments.of("devices not array", "{\"devices\":{}}", "\"devices\" is not an array"),
        Arguments.of(
            "check without status",
            "{\"devices\":[{\"device\":\"d\",\"checks\":[{\"name\":\"a\"}]}]}",
            "devices[0].checks[0] is not an object with a text \"name\" and \"status\""),
        Arguments.of(
            "device without checks", "{\"devices\":[{\"device\":\"d\"}]}", "devices[0] is not"),
        Arguments.of(
            "path without to", "{\"paths\":[{\"from\":\"STOP\"}]}", "paths[0] is not an object"),
        Arguments.of(
            "duplicate key",
            "{\"devices\":[],\"devices\":[]}",
            "n.json: is not JSON (Duplicate field"),
        Arguments.of(
            "a failed run",
            "{\"result\":\"failed\",\"error\":\"no /dev/vfio on this machine\"}",
            "is a run that did not finish (result failed: no /dev/vfio on this machine)"),
        Arguments.of("too big", "BIG", "n.json: is 67108865 bytes, more than the 64 MiB"),
        Arguments.of(
            "a mix",
            "{\"result\":\"ok\",\"flags\":7,\"paths\":[]}",
            "n.json is fsm output and "
                + "E is conformance output; compare two outputs of the same command"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInput")
  void badInputIsOneLineNamingTheFileAndExit2(String label, String text, String says)
      throws IOException {
    Path n = dir.resolve("n.json");
    if ("DIR".equals(text)) {
      Files.createDirectory(n);
    } else if ("BIG".equals(text)) {
      try (RandomAccessFile f = new RandomAccessFile(n.toFile(), "rw")) {
        f.setLength(ResultFile.MAX_BYTES + 1); // sparse: nothing is written
      }
    } else if (text != null) {
      Files.writeString(n, text);
    }
    Path e = file("e.json", conformance(MTTY, "a pass ok"));
    String expect = says.replace("E is", e + " is");
    CliRun r = compare(n, e);
    assertThat(r.code()).as(r.both()).isEqualTo(2);
    assertThat(r.out()).as(r.both()).isEmpty();
    assertThat(r.err().lines().toList()).as(r.both()).hasSize(1);
    assertThat(r.err()).startsWith("jvfio compare: ").contains(expect).doesNotContain("Exception");
    JsonNode j = compare(n, e, "--json").json();
    assertThat(j.get("result").asText()).isEqualTo("usage");
    assertThat(j.get("error").asText()).contains(expect);
  }

  @Test
  void aBadKnownFileIsAUsageErrorNamingTheLine() throws IOException {
    Path a = file("n.json", conformance(MTTY, "a pass ok"));
    Path bad = file("known.txt", "# ok\nbind.tail v6.17 reason\n");
    CliRun r = compare(a, a, "--known", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip())
        .isEqualTo(
            "jvfio compare: "
                + bad
                + ":2: 'v6.17' is not a Linux commit (7 to 40 lowercase hex digits)");
    Path short1 = file("short.txt", "bind.tail 86624ba3b522\n");
    assertThat(compare(a, a, "--known", short1.toString()).err())
        .contains(
            ":1: expected 'CHECK-NAME-GLOB LINUX-COMMIT reason', got 'bind.tail 86624ba3b522'");
    assertThat(compare(a, a, "--known", dir.resolve("nope.txt").toString()).err())
        .contains("nope.txt: no such file");
    CliRun missing = CliRun.run("compare", a.toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("jvfio compare: missing EMULATED.json");
  }
}
