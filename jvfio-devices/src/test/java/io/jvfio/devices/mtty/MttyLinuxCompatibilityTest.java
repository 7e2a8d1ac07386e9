package io.jvfio.devices.mtty;

import static io.jvfio.devices.mtty.MttyTestData.hexResource;
import static io.jvfio.devices.mtty.MttyTestData.readAll;
import static io.jvfio.devices.mtty.MttyTestData.write;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Byte compatibility with Linux 6.12.117's mtty sample. The resources were produced in the lab
 * (resources {@code lab/}: the probe program, its init script and the boot log): Linux saved
 * streams after known register accesses, resumed its own and jvfio's streams and saved them again,
 * and ran two seeded random access scripts.
 */
class MttyLinuxCompatibilityTest {
  /** What the probe did to its 1-port device before saving {@code linux-p1-uart.hex}. */
  static final String P1_UART =
      """
      w 0 3 83
      w 0 0 0c
      w 0 1 01
      w 0 3 03
      w 0 2 c7
      w 0 1 05
      w 0 4 0b
      w 0 7 5a
      w 0 0 48
      w 0 0 65
      w 0 0 6c
      w 0 0 6c
      w 0 0 6f
      r 0 0
      r 0 0
      r 0 5
      r 0 2
      r 0 6
      r 0 1
      """;

  /** What the probe did to its 2-port device before saving {@code linux-p2-uart.hex}. */
  static final String P2_UART = p2Uart();

  private static String p2Uart() {
    StringBuilder sb = new StringBuilder("w 0 2 07\n");
    for (int i = 0; i < 10; i++) {
      sb.append("w 0 0 ").append(Integer.toHexString(0x30 + i)).append('\n');
    }
    sb.append("r 0 0\n".repeat(8));
    for (int i = 0; i < 15; i++) {
      sb.append("w 0 0 ").append(Integer.toHexString(0x40 + i)).append('\n');
    }
    sb.append(
        """
        w 0 1 0f
        w 0 4 13
        w 1 2 00
        w 1 0 61
        w 1 0 62
        w 1 3 9b
        w 1 0 34
        w 1 1 12
        w 1 7 ff
        r 0 5
        r 0 2
        r 1 5
        r 1 0
        r 1 1
        """);
    return sb.toString();
  }

  private static MttyDevice replay(int ports, String script) {
    MttyDevice d = new MttyDevice(ports);
    MttyTestData.run(d, script);
    return d;
  }

  private static byte[] saveStopCopy(MttyDevice d) {
    MigrationDriver m = d.migration();
    m.arc(RUNNING, RUNNING_P2P);
    m.arc(RUNNING_P2P, STOP);
    SavingStream s = (SavingStream) m.arc(STOP, STOP_COPY);
    byte[] image = readAll(s, 7);
    m.arc(STOP_COPY, STOP);
    s.close();
    m.arc(STOP, RUNNING_P2P);
    m.arc(RUNNING_P2P, RUNNING);
    return image;
  }

  private static ResumingStream resuming(MttyDevice d) {
    MigrationDriver m = d.migration();
    m.arc(RUNNING, RUNNING_P2P);
    m.arc(RUNNING_P2P, STOP);
    return (ResumingStream) m.arc(STOP, RESUMING);
  }

  private static MttyDevice resumed(byte[] image, long seed) {
    MttyDevice d = new MttyDevice(image.length == 60 ? 1 : 2);
    ResumingStream r = resuming(d);
    MttyTestData.writeInPieces(r, image, seed);
    assertThat(d.migration().arc(RESUMING, STOP)).isNull();
    r.close();
    return d;
  }

  private static void assertErrno(ThrowingCallable call, Errno errno) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.errno()).isEqualTo(errno));
  }

  @Test
  void freshDevicesSaveWhatLinuxSaved() {
    assertThat(saveStopCopy(new MttyDevice(1)))
        .containsExactly(hexResource("linux-p1-default.hex"));
    assertThat(saveStopCopy(new MttyDevice(2)))
        .containsExactly(hexResource("linux-p2-default.hex"));
  }

  @Test
  void oneCardAfterTheSameAccessesSavesWhatLinuxSavedThroughPreCopy() {
    MttyDevice d = new MttyDevice(1);
    List<Integer> reads = MttyTestData.run(d, P1_UART);
    // Linux: rx=48 65 lsr=01 iir=c4 msr=b3 ier=05
    assertThat(reads).containsExactly(0x48, 0x65, 0x01, 0xc4, 0xb3, 0x05);

    MigrationDriver m = d.migration();
    SavingStream s = (SavingStream) m.arc(RUNNING, PRE_COPY);
    assertThat(readAll(s, 5)).containsExactly(hexResource("linux-p1-uart-precopy.hex"));
    m.arc(PRE_COPY, PRE_COPY_P2P);
    m.arc(PRE_COPY_P2P, STOP_COPY);
    byte[] rest = readAll(s, 5);
    byte[] linux = hexResource("linux-p1-uart.hex");
    assertThat(rest).containsExactly(Arrays.copyOfRange(linux, 24, 60));
    assertThat(d.image()).containsExactly(linux);
  }

  @Test
  void twoPortCardAfterTheSameAccessesSavesWhatLinuxSaved() {
    MttyDevice d = new MttyDevice(2);
    List<Integer> reads = MttyTestData.run(d, P2_UART);
    // the eight receives after the first ten transmits, then Linux's lsr0=62 iir0=c6 lsr1=03
    // dl1=34 dh1=12
    assertThat(reads.subList(0, 8)).containsExactly(0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37);
    assertThat(reads.subList(8, 13)).containsExactly(0x62, 0xc6, 0x03, 0x34, 0x12);
    assertThat(saveStopCopy(d)).containsExactly(hexResource("linux-p2-uart.hex"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "linux-p1-default.hex",
        "linux-p2-default.hex",
        "linux-p1-uart.hex",
        "linux-p2-uart.hex",
        "linux-badhdr-resaved.hex",
        "linux-mismatch-resaved.hex",
        "linux-p1-script-1001-final.hex",
        "linux-p2-script-2002-final.hex"
      })
  void everyLinuxStreamResumesInOursAndSavesBackIdentically(String resource) {
    byte[] linux = hexResource(resource);
    for (long seed = 0; seed < 5; seed++) {
      MttyDevice d = resumed(linux, seed);
      for (int i = 0; i < d.portCount(); i++) {
        assertThat(d.port(i).record())
            .containsExactly(Arrays.copyOfRange(linux, 24 + 36 * i, 60 + 36 * i));
      }
      assertThat(saveStopCopy(d)).containsExactly(linux);
    }
  }

  @Test
  void linuxStreamsResumeToThePortStateTheAccessesMade() {
    assertThat(resumed(hexResource("linux-p1-uart.hex"), 1).portStates())
        .isEqualTo(replay(1, P1_UART).portStates());
    assertThat(resumed(hexResource("linux-p2-uart.hex"), 2).portStates())
        .isEqualTo(replay(2, P2_UART).portStates());
    MttyDevice p2 = resumed(hexResource("linux-p2-uart.hex"), 3);
    assertThat(p2.port(0).overrun()).isTrue();
    assertThat(p2.port(0).count()).isEqualTo(16);
    assertThat(p2.port(1).dlab()).isTrue();
    assertThat(p2.port(1).divisor()).isEqualTo(0x1234);
    assertThat(p2.port(1).register(SerialPort.SCR)).isEqualTo(0xff);
  }

  @Test
  void aCorruptMagicGoesLikeInLinux() {
    byte[] bad = hexResource("linux-p1-uart.hex");
    bad[0] ^= (byte) 0xff;
    MttyDevice d = new MttyDevice(1);
    ResumingStream r = resuming(d);
    // Linux: 10 -> 10, 14 -> EFAULT, 36 -> 36, 1 more -> ENOMEM, RESUMING->STOP -> 0
    assertThat(write(r, bad, 0, 10)).isEqualTo(10);
    assertErrno(() -> write(r, bad, 10, 24), Errno.EFAULT);
    assertThat(write(r, bad, 24, 60)).isEqualTo(36);
    assertErrno(() -> write(r, bad, 0, 1), Errno.ENOMEM);
    assertThat(d.migration().arc(RESUMING, STOP)).isNull();
    d.migration().arc(STOP, RUNNING_P2P);
    d.migration().arc(RUNNING_P2P, RUNNING);
    assertThat(saveStopCopy(d)).containsExactly(hexResource("linux-badhdr-resaved.hex"));
  }

  @Test
  void aTwoPortStreamOfferedToAOnePortCardGoesLikeInLinux() {
    byte[] two = hexResource("linux-p2-uart.hex");
    MttyDevice d = new MttyDevice(1);
    ResumingStream r = resuming(d);
    // Linux: 60 -> EFAULT, 1 more -> ENOMEM, RESUMING->STOP -> 0
    assertErrno(() -> write(r, two, 0, 60), Errno.EFAULT);
    assertErrno(() -> write(r, two, 60, 61), Errno.ENOMEM);
    assertThat(d.migration().arc(RESUMING, STOP)).isNull();
    d.migration().arc(STOP, RUNNING_P2P);
    d.migration().arc(RUNNING_P2P, RUNNING);
    assertThat(saveStopCopy(d)).containsExactly(hexResource("linux-mismatch-resaved.hex"));
  }

  @Test
  void aShortStreamGoesLikeInLinux() {
    byte[] image = hexResource("linux-p1-default.hex");
    MttyDevice d = replay(1, P1_UART);
    ResumingStream r = resuming(d);
    // Linux: 59 -> 59, RESUMING->STOP -> EINVAL, 1 -> 1, RESUMING->STOP -> 0
    assertThat(write(r, image, 0, 59)).isEqualTo(59);
    assertErrno(() -> d.migration().arc(RESUMING, STOP), Errno.EINVAL);
    assertThat(write(r, image, 59, 60)).isEqualTo(1);
    assertThat(d.migration().arc(RESUMING, STOP)).isNull();
    d.migration().arc(STOP, RUNNING_P2P);
    d.migration().arc(RUNNING_P2P, RUNNING);
    assertThat(saveStopCopy(d)).containsExactly(image);
  }

  @Test
  void linuxAcceptedOurStreamsAndSavedThemBackUnchanged() {
    MttyDevice p1 = new MttyDevice(1);
    MttyTestData.run(p1, P1_UART.lines().limit(15).reduce("", (a, b) -> a + b + "\n"));
    assertThat(saveStopCopy(p1)).containsExactly(hexResource("linux-resaved-java-p1-uart.hex"));
  }

  @Test
  void recordsLinuxRunsOutsideItsFifoAreRefusedHere() {
    // every record byte random, FIFO indices included: Linux loaded and saved them back unchanged
    // (its register accesses would then index its FIFO with them); ours refuses them at STOP
    for (int ports = 1; ports <= 2; ports++) {
      byte[] image = MttyTestData.labRandomImage(ports == 1 ? 7 : 42, ports);
      String linux =
          ports == 1 ? "linux-resaved-java-p1-random-7.hex" : "linux-resaved-java-p2-random-42.hex";
      assertThat(hexResource(linux)).containsExactly(image);
      MttyDevice d = replay(ports, P1_UART);
      List<SerialPort> before = d.portStates();
      ResumingStream r = resuming(d);
      MttyTestData.writeInPieces(r, image, ports);
      assertErrno(() -> d.migration().arc(RESUMING, STOP), Errno.EINVAL);
      assertThat(d.portStates()).isEqualTo(before);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"p1-script-1001", "p2-script-2002"})
  void randomAccessScriptsReadAndSaveWhatLinuxDid(String name) {
    String script = MttyTestData.resource(name + ".ops");
    int ports = name.startsWith("p2") ? 2 : 1;
    List<Integer> linuxReads = new ArrayList<>();
    for (String line : MttyTestData.resource("linux-" + name + "-reads.txt").split("\n")) {
      if (!line.startsWith("#")) {
        for (String v : line.trim().split("\\s+")) {
          if (!v.isEmpty()) {
            linuxReads.add(Integer.parseInt(v, 16));
          }
        }
      }
    }
    MttyDevice d = new MttyDevice(ports);
    List<Integer> ours = MttyTestData.run(d, script);
    assertThat(ours).hasSameSizeAs(linuxReads);
    int compared = 0;
    for (int i = 0; i < ours.size(); i++) {
      if (ours.get(i) != null) {
        assertThat(ours.get(i)).as("read #%d of %s", i, name).isEqualTo(linuxReads.get(i));
        compared++;
      }
    }
    assertThat(compared).isGreaterThan(ours.size() / 2);
    assertThat(saveStopCopy(d)).containsExactly(hexResource("linux-" + name + "-final.hex"));
  }

  @Test
  void theScriptsAreTheSeededOnesTheTestDataMakes() {
    assertThat(MttyTestData.resource("p1-script-1001.ops"))
        .isEqualTo(MttyTestData.randomScript(1001, 1, 400));
    assertThat(MttyTestData.resource("p2-script-2002.ops"))
        .isEqualTo(MttyTestData.randomScript(2002, 2, 600));
  }
}
