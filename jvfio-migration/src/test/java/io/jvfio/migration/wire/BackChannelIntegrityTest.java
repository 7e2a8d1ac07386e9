package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Version 2's back channel: HELLO, KEEPALIVE and RESULT with its duration round trip, and every
 * message ends in a CRC32C, so that no altered byte of it is taken for a message.
 */
class BackChannelIntegrityTest {
  private static final byte[] NONCE = SampleStream.NONCE;

  /** One message of each kind, as a writer would send them; {@code devices} for the reader. */
  private static List<byte[]> eachKind() throws IOException {
    List<byte[]> messages = new ArrayList<>();
    BytesChannel c;
    c = BytesChannel.writing();
    new BackWriter(c, 3).hello(NONCE);
    messages.add(c.written());
    c = BytesChannel.writing();
    new BackWriter(c, 3).keepAlive();
    messages.add(c.written());
    c = BytesChannel.writing();
    new BackWriter(c, 3).switchoverAck(2);
    messages.add(c.written());
    c = BytesChannel.writing();
    new BackWriter(c, 3)
        .result(true, "every device is RUNNING", 7_654_321L, Map.of(0, "sha256:aa", 2, "x"));
    messages.add(c.written());
    c = BytesChannel.writing();
    new BackWriter(c, 3).result(false, "", 0, Map.of());
    messages.add(c.written());
    c = BytesChannel.writing();
    new BackWriter(c, 3).abort("destination: model mismatch \u2013 mtty");
    messages.add(c.written());
    c = BytesChannel.writing();
    new BackWriter(c, 3).accept();
    messages.add(c.written());
    return messages;
  }

  private static byte[] crcOf(byte[] b, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(b, from, to - from);
    byte[] out = new byte[4];
    SampleStream.putU32(out, 0, crc.getValue());
    return out;
  }

  @Test
  void helloKeepAliveAndResultWithNanosRoundTrip() throws IOException {
    BytesChannel c = BytesChannel.writing();
    BackWriter w = new BackWriter(c, 3);
    w.hello(NONCE);
    w.keepAlive();
    w.keepAlive();
    w.result(true, "loaded", Map.of(1, "sha256:11"));
    w.result(true, "every device is RUNNING", 4_000_000L, Map.of());
    w.result(false, "late", Long.MAX_VALUE, Map.of());
    w.result(false, "negative", -1L, Map.of(0, "a", 1, "b", 2, "c"));
    BackReader r = new BackReader(BytesChannel.reading(c.written()), 3);
    BackMessage.Hello hello = (BackMessage.Hello) r.next();
    assertThat(hello.version()).isEqualTo(WireFormat.VERSION);
    assertThat(hello.nonce()).isEqualTo(NONCE);
    assertThat(r.offset()).isEqualTo(1 + 4 + 16 + 4);
    assertThat(r.next()).isEqualTo(new BackMessage.KeepAlive());
    assertThat(r.next()).isEqualTo(new BackMessage.KeepAlive());
    assertThat(r.offset()).isEqualTo(25 + 5 + 5);
    assertThat(r.next()).isEqualTo(new BackMessage.Result(true, "loaded", Map.of(1, "sha256:11")));
    BackMessage.Result running = (BackMessage.Result) r.next();
    assertThat(running.nanos()).isEqualTo(4_000_000L);
    assertThat(running)
        .isEqualTo(new BackMessage.Result(true, "every device is RUNNING", 4_000_000L, Map.of()));
    assertThat(((BackMessage.Result) r.next()).nanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(r.next())
        .isEqualTo(new BackMessage.Result(false, "negative", -1L, Map.of(0, "a", 1, "b", 2, "c")));
    assertThatThrownBy(r::next).isInstanceOf(EOFException.class);
  }

  @Test
  void messagesAreLaidOutAsDocumented() throws IOException {
    List<byte[]> m = eachKind();
    byte[] hello = m.get(0);
    assertThat(hello).hasSize(25);
    assertThat(hello[0]).isEqualTo((byte) 0x14);
    assertThat(Arrays.copyOfRange(hello, 1, 5)).containsExactly(0, 0, 0, 4);
    assertThat(Arrays.copyOfRange(hello, 5, 21)).isEqualTo(NONCE);
    byte[] keepAlive = m.get(1);
    assertThat(keepAlive).hasSize(5);
    assertThat(keepAlive[0]).isEqualTo((byte) 0x15);
    byte[] ack = m.get(2);
    assertThat(Arrays.copyOf(ack, 3)).containsExactly(0x10, 0, 2);
    byte[] accept = m.getLast();
    assertThat(accept).hasSize(5);
    assertThat(accept[0]).isEqualTo((byte) 0x17);
    assertThat(new BackReader(BytesChannel.reading(accept), 3).next())
        .isEqualTo(new BackMessage.Accept());
    byte[] result = m.get(3);
    // kind, ok, message (u16 + 23), nanos u64, count u16, 2 x (u16 device, u16 + digest), CRC
    assertThat(result).hasSize(1 + 1 + 2 + 23 + 8 + 2 + (2 + 2 + 9) + (2 + 2 + 1) + 4);
    assertThat(Arrays.copyOf(result, 2)).containsExactly(0x11, 1);
    assertThat(Arrays.copyOfRange(result, 27, 35)).containsExactly(0, 0, 0, 0, 0, 0x74, 0xcb, 0xb1);
    assertThat(Arrays.copyOfRange(result, 35, 37)).containsExactly(0, 2);
    for (byte[] message : m) {
      int n = message.length;
      assertThat(Arrays.copyOfRange(message, n - 4, n))
          .as("the last 4 bytes are the CRC32C of the others")
          .isEqualTo(crcOf(message, 0, n - 4));
    }
  }

  /**
   * Every message of each kind, every byte, every other value: the reader throws (a CRC mismatch, a
   * field check, or the end of the bytes after a changed length), and never returns a message.
   */
  @Test
  void everySingleByteAlterationOfEveryMessageIsRejected() throws IOException {
    Map<String, Integer> problems = new TreeMap<>();
    int eof = 0;
    int alterations = 0;
    for (byte[] original : eachKind()) {
      byte[] m = original.clone();
      for (int at = 0; at < m.length; at++) {
        for (int v = 0; v < 256; v++) {
          if ((byte) v == original[at]) {
            continue;
          }
          m[at] = (byte) v;
          alterations++;
          try {
            BackMessage got = new BackReader(BytesChannel.reading(m), 3).next();
            throw new AssertionError(
                "kind 0x%02x, byte %d = 0x%02x accepted as %s".formatted(original[0], at, v, got));
          } catch (WireFormatException e) {
            String family =
                e.problem().startsWith("back-channel CRC32C mismatch")
                    ? "crc"
                    : e.problem().split(" ")[0] + " " + e.problem().split(" ")[1];
            problems.merge(family, 1, Integer::sum);
            if (at > 0
                && (original[0] == WireFormat.KIND_HELLO
                    || original[0] == WireFormat.KIND_KEEPALIVE)) {
              // no field check covers a HELLO's version or nonce: the CRC alone refuses them
              assertThat(family).isEqualTo("crc");
            }
            if (at >= m.length - 4) {
              // the CRC field itself
              assertThat(family).isEqualTo("crc");
              assertThat(e.offset()).isEqualTo(m.length - 4);
            }
          } catch (EOFException e) {
            eof++;
          }
        }
        m[at] = original[at];
      }
    }
    System.out.println(
        "back channel: " + alterations + " alterations, " + eof + " EOF, " + problems);
    assertThat(problems.get("crc")).isGreaterThan(alterations / 2);
  }

  /** A single flipped bit anywhere in a message that keeps its framing: always the CRC. */
  @Test
  void aFlippedBitInAFixedSizeMessageIsACrcMismatch() throws IOException {
    List<byte[]> m = eachKind();
    for (byte[] original : List.of(m.get(0), m.get(1), m.get(2))) {
      for (int at = 1; at < original.length; at++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] altered = original.clone();
          altered[at] ^= (byte) (1 << bit);
          if (original[0] == WireFormat.KIND_SWITCHOVER_ACK && at < 3) {
            continue; // the device index may leave the range first: see the test above
          }
          assertThatThrownBy(() -> new BackReader(BytesChannel.reading(altered), 3).next())
              .as("kind 0x%02x byte %d bit %d", original[0], at, bit)
              .isInstanceOf(WireFormatException.class)
              .hasMessageContaining("back-channel CRC32C mismatch")
              .satisfies(e ->
                  assertThat(((WireFormatException) e).offset()).isEqualTo(original.length - 4));
        }
      }
    }
  }

  /** The RESULT's ok flag turned from 0 into 1 (version 1's blind spot) is caught by the CRC. */
  @Test
  void aFailureCannotBeTurnedIntoSuccess() throws IOException {
    BytesChannel c = BytesChannel.writing();
    new BackWriter(c, 2).result(false, "device 1 failed to resume", Map.of());
    byte[] m = c.written();
    assertThat(m[1]).isEqualTo((byte) 0);
    m[1] = 1;
    assertThatThrownBy(() -> new BackReader(BytesChannel.reading(m), 2).next())
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("back-channel CRC32C mismatch")
        .hasMessageContaining("the message at offset 0");
  }

  /** A damaged message in the middle of a conversation names its own offset. */
  @Test
  void theCrcMismatchNamesTheMessageAndTheCrcOffsets() throws IOException {
    BytesChannel c = BytesChannel.writing();
    BackWriter w = new BackWriter(c, 3);
    w.hello(NONCE);
    w.keepAlive();
    w.switchoverAck(1);
    byte[] s = c.written();
    s[25 + 5 + 2] ^= 0x01; // device 1 -> 0 in the SWITCHOVER_ACK
    BackReader r = new BackReader(BytesChannel.reading(s), 3);
    assertThat(r.next()).isInstanceOf(BackMessage.Hello.class);
    assertThat(r.next()).isInstanceOf(BackMessage.KeepAlive.class);
    assertThatThrownBy(r::next)
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("the message at offset 30 says")
        .satisfies(e -> assertThat(((WireFormatException) e).offset()).isEqualTo(33));
  }

  /** Seeded random RESULTs round trip, and each one altered in one random byte is refused. */
  @Test
  void seededRandomResultsRoundTripAndRefuseAnyAlteredByte() throws IOException {
    SplittableRandom r = new SplittableRandom(314);
    for (int trial = 0; trial < 300; trial++) {
      int devices = 1 + r.nextInt(8);
      Map<Integer, String> digests = new HashMap<>();
      for (int d = 0; d < devices; d++) {
        if (r.nextBoolean()) {
          digests.put(d, "sha256:" + Long.toHexString(r.nextLong()));
        }
      }
      StringBuilder text = new StringBuilder();
      for (int i = r.nextInt(40); i > 0; i--) {
        text.appendCodePoint(r.nextBoolean() ? 'a' + r.nextInt(26) : 0x00e0 + r.nextInt(0x60));
      }
      long nanos = r.nextLong();
      boolean ok = r.nextBoolean();
      BytesChannel c = BytesChannel.writing();
      new BackWriter(c, devices).result(ok, text.toString(), nanos, digests);
      byte[] m = c.written();
      assertThat(new BackReader(BytesChannel.reading(m), devices).next())
          .isEqualTo(new BackMessage.Result(ok, text.toString(), nanos, digests));
      int at = r.nextInt(m.length);
      m[at] ^= (byte) (1 + r.nextInt(255));
      assertThatThrownBy(() -> new BackReader(BytesChannel.reading(m), devices).next())
          .as("trial %d, byte %d", trial, at)
          .isInstanceOfAny(WireFormatException.class, EOFException.class);
    }
  }
}
