package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvfio.client.DeviceNode;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Digests;
import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.devices.mtty.MttyImage;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code jvfio state} on emulated hosts the test keeps, so it can look at the devices afterwards:
 * round trips keep the content, move is save plus load, the digest is the file's, a refused state
 * leaves the device RUNNING and unchanged, and a failed save leaves no file.
 */
class StateCommandTest {
  static final String A = DemoHost.MEMDEV_A;
  static final String B = DemoHost.MEMDEV_B;
  static final String MTTY_PCI = DemoHost.MTTY;

  /** The lab VM's three 2-port mtty mdevs. */
  static final String M1 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

  static final String M2 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002";

  static final String M3 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003";

  @TempDir Path dir;

  /** The demo host with 4 MiB memdevs, as a backend this test keeps. */
  static EmulatedBackend demo() {
    Topology t = DemoHost.topology();
    Host host = new Host(t, Models.registry(MemDevice.Config.defaults().withMemorySize(4L << 20)));
    return new EmulatedBackend(host, TopologyInput.builtIn("the demo host", t));
  }

  /** The lab VM: two edu functions and three mtty-2 mdevs. */
  static EmulatedBackend lab() {
    Topology t = Topology.parse(DefaultHost.text("lab-vm.topology"));
    return new EmulatedBackend(new Host(t, Models.registry()), TopologyInput.builtIn("lab-vm", t));
  }

  /** Runs {@code jvfio args} with every state subcommand on {@code backend}. */
  static CliRun run(Backend backend, String... args) {
    return run(backend, new Guest(-1), args);
  }

  /**
   * The guest's part. On the emulator a memdev's memory is zeroed when it is opened and when it is
   * closed (vfio-pci's function resets), so the guest fills memdev A (with a pattern from {@code
   * seed}, unless it is negative) once the command opened it, and the content of every device is
   * noted just before the command closes it.
   */
  static final class Guest {
    final long seed;
    final java.util.Map<String, String> atClose = new java.util.HashMap<>();

    Guest(long seed) {
      this.seed = seed;
    }

    void opened(Backend b, DeviceNode node) {
      if (seed >= 0 && node.name().equals(A)) {
        ((MemDevice) device((EmulatedBackend) b, A).model()).fillRandom(seed);
      }
    }

    void closing(Backend b, DeviceNode node) {
      atClose.put(node.name(), content((EmulatedBackend) b, node.name()));
    }
  }

  /** As {@link #run(Backend, String...)}, with {@code guest} at work on each opened device. */
  static CliRun run(Backend backend, Guest guest, String... args) {
    StateCommand.Environment source =
        new StateCommand.Environment() {
          @Override
          public Backend open(CommandLine.Model.CommandSpec spec, Path topology) {
            return backend;
          }

          @Override
          public void opened(Backend b, DeviceNode node) {
            guest.opened(b, node);
          }

          @Override
          public void closing(Backend b, DeviceNode node) {
            guest.closing(b, node);
          }
        };
    CommandLine.IFactory factory =
        new CommandLine.IFactory() {
          @Override
          public <K> K create(Class<K> cls) throws Exception {
            Object made =
                cls == StateCommand.Save.class
                    ? new StateCommand.Save(source)
                    : cls == StateCommand.Load.class
                        ? new StateCommand.Load(source)
                        : cls == StateCommand.Move.class ? new StateCommand.Move(source) : null;
            return made != null ? cls.cast(made) : CommandLine.defaultFactory().create(cls);
          }
        };
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), factory, args);
    return new CliRun(code, out.toString(), err.toString());
  }

  static VfioDevice device(EmulatedBackend b, String name) {
    return b.host().vfio().devices().stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static String content(EmulatedBackend b, String name) {
    return Digests.of(device(b, name).model()).get();
  }

  static MigrationState state(EmulatedBackend b, String name) {
    return device(b, name).migration().state();
  }

  static void assertRunning(EmulatedBackend b, String... names) {
    for (String name : names) {
      assertThat(state(b, name)).as(name).isEqualTo(MigrationState.RUNNING);
    }
  }

  /** The port states of the mtty {@code name}: what its saved state carries. */
  static List<io.jvfio.devices.mtty.SerialPort> ports(EmulatedBackend b, String name) {
    return ((MttyDevice) device(b, name).model()).portStates();
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Puts some bytes in the FIFO of every port of the mtty {@code name} and sets registers. */
  static void type(EmulatedBackend b, String name, String text) {
    MttyDevice m = (MttyDevice) device(b, name).model();
    for (int i = 0; i < m.portCount(); i++) {
      m.writeRegister(i, 7, 0x5a + i); // scratch
      m.port(i).transmit((text + i).getBytes(StandardCharsets.US_ASCII));
    }
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
    }
  }

  @Test
  void aMemdevSavedAndLoadedIntoAnotherHasTheSameContent() throws Exception {
    EmulatedBackend b = demo();
    Path file = dir.resolve("a.state");

    Guest source = new Guest(42);
    CliRun save =
        run(b, source, "state", "save", "--device", A, "--out", file.toString(), "--json");

    assertThat(save.code()).as(save.both()).isZero();
    String saved = source.atClose.get(A);
    assertThat(saved).isNotEqualTo(content(b, B)); // B is all zero
    JsonNode j = save.json();
    assertThat(j.get("result").asText()).isEqualTo("ok");
    assertThat(j.get("backend").asText()).isEqualTo("emulated");
    assertThat(j.get("device").asText()).isEqualTo(A);
    assertThat(j.get("state").asText()).isEqualTo("RUNNING");
    assertThat(j.get("bytes").asLong()).isEqualTo(Files.size(file)).isGreaterThan(4L << 20);
    assertThat(j.get("sha256").asText()).isEqualTo(sha256(file));
    assertRunning(b, A);
    // made as any new file is (the umask's permissions), not private as a temporary file
    Path plain = Files.createFile(dir.resolve("plain"));
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));

    Guest target = new Guest(-1);
    CliRun load = run(b, target, "state", "load", "--device", B, "--in", file.toString(), "--json");

    assertThat(load.code()).as(load.both()).isZero();
    assertThat(load.json().get("sha256").asText()).isEqualTo(sha256(file));
    assertThat(target.atClose.get(B)).isEqualTo(saved);
    assertRunning(b, B);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void anMttyMdevRoundTripsAndResavesTheSameBytes() throws Exception {
    EmulatedBackend b = lab();
    type(b, M1, "hello");
    Path file = dir.resolve("m1.state");
    Path again = dir.resolve("m2.state");

    CliRun save = run(b, "state", "save", "--device", M1, "--out", file.toString());
    assertThat(save.code()).as(save.both()).isZero();
    assertThat(save.out()).contains("saved the state of " + M1).contains("96 bytes");
    assertThat(Files.size(file)).isEqualTo(MttyImage.size(2));

    CliRun load =
        run(
            b,
            "state",
            "load",
            "--device",
            M2,
            "--in",
            file.toString(),
            "--resave",
            again.toString(),
            "--json");

    assertThat(load.code()).as(load.both()).isZero();
    assertThat(ports(b, M2)).isEqualTo(ports(b, M1));
    JsonNode resave = load.json().get("resave");
    assertThat(resave.get("sha256").asText()).isEqualTo(sha256(file)).isEqualTo(sha256(again));
    assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
    assertRunning(b, M1, M2);
  }

  @Test
  void moveIsSaveThenLoadThroughTheDataFds() throws Exception {
    EmulatedBackend b = demo();
    Path file = dir.resolve("a.state");
    Guest first = new Guest(7);
    assertThat(run(b, first, "state", "save", "--device", A, "--out", file.toString()).code())
        .isZero();

    Guest second = new Guest(7);
    CliRun move = run(b, second, "state", "move", "--from", A, "--to", B, "--json");

    assertThat(move.code()).as(move.both()).isZero();
    JsonNode j = move.json();
    assertThat(j.get("from").asText()).isEqualTo(A);
    assertThat(j.get("to").asText()).isEqualTo(B);
    assertThat(j.get("bytes").asLong()).isEqualTo(Files.size(file));
    assertThat(j.get("sha256").asText()).isEqualTo(sha256(file));
    assertThat(j.get("states").get("from").asText()).isEqualTo("RUNNING");
    assertThat(j.get("states").get("to").asText()).isEqualTo("RUNNING");
    assertThat(second.atClose.get(B))
        .isEqualTo(second.atClose.get(A))
        .isEqualTo(first.atClose.get(A));
    assertRunning(b, A, B);
  }

  @Test
  void moveBetweenMttysMovesThePorts() {
    EmulatedBackend b = lab();
    type(b, M1, "abc");
    CliRun move = run(b, "state", "move", "--from", M1, "--to", M2);
    assertThat(move.code()).as(move.both()).isZero();
    assertThat(move.out()).contains("moved the state of " + M1 + " into " + M2);
    assertThat(ports(b, M2)).isEqualTo(ports(b, M1));
  }

  /** A saved mtty state with one byte changed at {@code offset} (or cut to {@code length}). */
  private Path mttyState(EmulatedBackend b, String name, int offset, int length) throws Exception {
    Path file = dir.resolve("good-" + offset + "-" + length + ".state");
    assertThat(run(b, "state", "save", "--device", name, "--out", file.toString()).code()).isZero();
    byte[] bytes = Files.readAllBytes(file);
    if (offset >= 0) {
      bytes[offset] ^= 0x01;
    }
    Path bad = dir.resolve("bad-" + offset + "-" + length + ".state");
    Files.write(bad, Arrays.copyOf(bytes, Math.min(length, bytes.length)));
    return bad;
  }

  /**
   * Loads M1's saved state, spoiled as {@link #mttyState} spoils it, into M2: the load fails with
   * {@code errno}, and M2 runs on with the content it had (the refused bytes were not loaded at
   * RESUMING to STOP: the device was reset instead).
   */
  private CliRun refusedLoad(int offset, int length, String errno) throws Exception {
    EmulatedBackend b = lab();
    type(b, M1, "one");
    type(b, M2, "two");
    Path bad = mttyState(b, M1, offset, length);
    String before = content(b, M2);

    CliRun load = run(b, "state", "load", "--device", M2, "--in", bad.toString(), "--json");

    assertThat(load.code()).as(load.both()).isEqualTo(1);
    assertThat(load.json().get("errno").asText()).isEqualTo(errno);
    assertRunning(b, M2);
    assertThat(content(b, M2)).isEqualTo(before);
    return load;
  }

  @Test
  void aStateWithABadMagicIsTheDriversEfaultAndTheDeviceRunsOnUnchanged() throws Exception {
    CliRun load = refusedLoad(0, Integer.MAX_VALUE, "EFAULT");
    assertThat(load.errLines()).singleElement().asString().contains(M2 + " refused the state");
    assertThat(load.errLines().getFirst()).contains(M2 + " is RUNNING");
  }

  @Test
  void aTruncatedStateIsTheDriversEinvalAndTheDeviceRunsOnUnchanged() throws Exception {
    refusedLoad(-1, 40, "EINVAL");
  }

  /**
   * Saves memdev A to {@code file} with {@code more} options and a --max-bytes the stream is longer
   * than: the save stops after the first megabyte, fails and leaves no temporary file.
   */
  private CliRun tooLongSave(EmulatedBackend b, Path file, String... more) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("state", "save", "--device", A));
    args.addAll(List.of("--out", file.toString(), "--max-bytes", "100000"));
    args.addAll(List.of(more));
    CliRun save = run(b, new Guest(3), args.toArray(String[]::new));
    assertThat(save.code()).as(save.both()).isEqualTo(1);
    assertThat(leftovers()).isEmpty();
    return save;
  }

  @Test
  void aSaveThatFailsHalfWayLeavesNoFileAndTheDeviceRunning() throws Exception {
    EmulatedBackend b = demo();
    Path file = dir.resolve("a.state");

    CliRun save = tooLongSave(b, file);

    assertThat(save.errLines()).singleElement().asString().contains("--max-bytes", "(EFBIG)");
    assertThat(file).doesNotExist();
    assertRunning(b, A);
  }

  @Test
  void aFailedForcedSaveKeepsTheOldFile() throws Exception {
    EmulatedBackend b = demo();
    Path file = dir.resolve("a.state");
    Files.writeString(file, "the old state");

    tooLongSave(b, file, "--force");

    assertThat(Files.readString(file)).isEqualTo("the old state");
  }

  @Test
  void aDeviceLeftStoppedByAnEarlierUserIsBroughtBackFirst() throws Exception {
    EmulatedBackend b = lab();
    type(b, M1, "x");
    // an earlier process stopped M1 and went away: mtty keeps its state across close
    try (Backend.Session s = b.session("earlier");
        OpenedDevice d = OpenedDevice.open(s.sys(), b.device("--device", M1))) {
      d.migration().set(MigrationState.STOP);
    }
    assertThat(state(b, M1)).isEqualTo(MigrationState.STOP);
    Path file = dir.resolve("m1.state");

    CliRun save = run(b, "state", "save", "--device", M1, "--out", file.toString());

    assertThat(save.code()).as(save.both()).isZero();
    assertRunning(b, M1);
  }

  @Test
  void aDeviceNamedTwiceByTwoNamesIsAUsageError() {
    EmulatedBackend b = demo();
    DeviceNode a = b.device("--from", A);
    CliRun move = run(b, "state", "move", "--from", A, "--to", a.cdevPath());
    assertThat(move.code()).as(move.both()).isEqualTo(2);
    assertThat(move.errLines())
        .singleElement()
        .asString()
        .contains("--to " + a.cdevPath() + ": names " + A + ", the device --from names");
  }

  @Test
  void devicesOfTwoKindsAreRefusedBeforeEitherIsOpened() {
    EmulatedBackend b = demo();
    CliRun move = run(b, "state", "move", "--from", A, "--to", MTTY_PCI);
    assertThat(move.code()).as(move.both()).isEqualTo(2);
    assertThat(move.errLines())
        .singleElement()
        .asString()
        .contains("is not of the kind of " + A, "1b36:0002", "1b36:0005");
    assertRunning(b, A);
    assertThat(device(b, A).migration().arcsTaken()).isZero();
  }

  @Test
  void throughItsGroupADeviceSavesLoadsAndMovesAsThroughItsCdev() throws Exception {
    EmulatedBackend b = lab();
    type(b, M1, "group");
    Path viaCdev = dir.resolve("cdev.state");
    Path viaGroup = dir.resolve("group.state");
    CliRun cdev = run(b, "state", "save", "--device", M1, "--out", viaCdev.toString(), "--json");
    assertThat(cdev.json().get("as").asText()).isEqualTo("cdev");

    CliRun group =
        run(
            b,
            "state",
            "save",
            "--device",
            M1,
            "--out",
            viaGroup.toString(),
            "--as",
            "group",
            "--json");

    assertThat(group.code()).as(group.both()).isZero();
    assertThat(group.json().get("as").asText()).isEqualTo("group");
    assertThat(Files.readAllBytes(viaGroup)).isEqualTo(Files.readAllBytes(viaCdev));
    CliRun load =
        run(b, "state", "load", "--device", M2, "--in", viaGroup.toString(), "--as", "group");
    assertThat(load.code()).as(load.both()).isZero();
    CliRun move = run(b, "state", "move", "--from", M2, "--to", M3, "--as", "group");
    assertThat(move.code()).as(move.both()).isZero();
    assertThat(ports(b, M3)).isEqualTo(ports(b, M1));
    assertRunning(b, M2, M3);
  }

  @Test
  void aMoveThatFailsHalfWayLeavesBothRunningAndTheTargetUnchanged() {
    EmulatedBackend b = lab();
    type(b, M1, "from");
    type(b, M2, "to");
    String before = content(b, M2);

    CliRun move = run(b, "state", "move", "--from", M1, "--to", M2, "--max-bytes", "50", "--json");

    assertThat(move.code()).as(move.both()).isEqualTo(1);
    assertThat(move.json().get("errno").asText()).isEqualTo("EFBIG");
    assertThat(move.errLines())
        .singleElement()
        .asString()
        .contains(M1 + " is RUNNING", M2 + " is RUNNING");
    assertRunning(b, M1, M2);
    assertThat(content(b, M2)).isEqualTo(before);
  }

  @Test
  void aDeviceLeftResumingIsResetBeforeALoadAndTakesTheWholeState() throws Exception {
    EmulatedBackend b = lab();
    type(b, M1, "whole");
    Path file = dir.resolve("m1.state");
    assertThat(run(b, "state", "save", "--device", M1, "--out", file.toString()).code()).isZero();
    // an earlier process wrote half a state into M2 and went away
    try (Backend.Session s = b.session("earlier");
        OpenedDevice d = OpenedDevice.open(s.sys(), b.device("--device", M2))) {
      d.migration().set(MigrationState.RESUMING);
      d.migration().writeFully(MemorySegment.ofArray(Arrays.copyOf(Files.readAllBytes(file), 30)));
    }
    assertThat(state(b, M2)).isEqualTo(MigrationState.RESUMING);

    CliRun load = run(b, "state", "load", "--device", M2, "--in", file.toString());

    assertThat(load.code()).as(load.both()).isZero();
    assertThat(ports(b, M2)).isEqualTo(ports(b, M1));
    assertRunning(b, M2);
  }
}
