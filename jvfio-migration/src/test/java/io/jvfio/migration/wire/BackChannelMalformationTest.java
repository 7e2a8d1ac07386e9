package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32C;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** The back channel's checks, each named with its offset. */
class BackChannelMalformationTest {
  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  /**
   * The message with its correct CRC32C appended: each check below must refuse a message whose
   * bytes arrived intact (a broken or hostile writer), not only one the CRC would catch anyway.
   */
  private static byte[] withCrc(int... values) {
    byte[] b = bytes(values);
    byte[] out = Arrays.copyOf(b, b.length + 4);
    CRC32C crc = new CRC32C();
    crc.update(b);
    SampleStream.putU32(out, b.length, crc.getValue());
    return out;
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> failsAt(
      byte[] stream, int devices, long offset) {
    return assertThatThrownBy(() -> new BackReader(BytesChannel.reading(stream), devices).next())
        .isInstanceOf(WireFormatException.class)
        .satisfies(e -> assertThat(((WireFormatException) e).offset()).isEqualTo(offset));
  }

  @Test
  void unknownKind() {
    failsAt(withCrc(0x13), 2, 0).hasMessageContaining("unknown back-channel message kind 0x13");
    failsAt(withCrc(0x01, 0, 0), 2, 0).hasMessageContaining("kind 0x01");
  }

  @Test
  void switchoverAckForADeviceThatDoesNotExist() {
    failsAt(withCrc(0x10, 0, 2), 2, 1)
        .hasMessageContaining("device index 2 of a SWITCHOVER_ACK is out of range 0..1");
    failsAt(withCrc(0x10, 0xff, 0xff), 0x10000 - 1, 1).hasMessageContaining("device index 65535");
  }

  @Test
  void okFlagMustBeZeroOrOne() {
    failsAt(withCrc(0x11, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 2, 1)
        .hasMessageContaining("the ok flag of a RESULT is 2, not 0 or 1");
  }

  @Test
  void resultMessageMustBeUtf8() {
    failsAt(withCrc(0x11, 1, 0, 1, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 2, 4)
        .hasMessageContaining("the message of a RESULT is not valid UTF-8");
  }

  @Test
  void moreDigestsThanDevices() {
    failsAt(withCrc(0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3), 2, 12)
        .hasMessageContaining("a RESULT with 3 digests for 2 devices");
  }

  @Test
  void digestForAnUnknownOrRepeatedDevice() {
    failsAt(withCrc(0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 5, 0, 0), 2, 14)
        .hasMessageContaining("device index 5 of a RESULT digest entry is out of range");
    failsAt(
            withCrc(0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 1, 'a', 0, 1, 0, 1, 'b'),
            2,
            19)
        .hasMessageContaining("a RESULT lists device 1 twice");
    failsAt(withCrc(0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0xff), 2, 18)
        .hasMessageContaining("a RESULT digest is not valid UTF-8");
  }

  @Test
  void abortReasonMustBeUtf8() {
    failsAt(withCrc(0x12, 0, 2, 0xe2, 0x28), 2, 3)
        .hasMessageContaining("the reason of an ABORT is not valid UTF-8");
  }

  @Test
  void aTruncatedMessageIsAnEofExceptionWhereverItIsCut() throws IOException {
    BytesChannel c = BytesChannel.writing();
    new BackWriter(c, 2).result(true, "fine", Map.of(0, "d0", 1, "d1"));
    byte[] whole = c.written();
    assertThat(new BackReader(BytesChannel.reading(whole), 2).next())
        .isEqualTo(new BackMessage.Result(true, "fine", Map.of(0, "d0", 1, "d1")));
    for (int cut = 0; cut < whole.length; cut++) {
      byte[] part = Arrays.copyOf(whole, cut);
      assertThatThrownBy(() -> new BackReader(BytesChannel.reading(part), 2).next())
          .as("cut at %d", cut)
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("the back channel ended inside");
    }
  }

  @Test
  void withoutADeviceCountOnlyTheU16RangeIsChecked() throws IOException {
    assertThat(new BackReader(BytesChannel.reading(withCrc(0x10, 0xff, 0xff))).next())
        .isEqualTo(new BackMessage.SwitchoverAck(0xffff));
  }
}
