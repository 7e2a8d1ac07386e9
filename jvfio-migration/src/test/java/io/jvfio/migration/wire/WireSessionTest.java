package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What versions 2 and 3 add around the records: the session nonce a header must echo (no replay, no
 * stream for another receiver), the refusal of other versions in words, and the decision and
 * OUTCOME records after the trailer.
 */
class WireSessionTest {
  private static final int VERSION_AT = 8;
  private static final int NONCE_AT = 12;

  private static byte[] nonce(SplittableRandom r) {
    byte[] n = new byte[WireFormat.NONCE_BYTES];
    r.nextBytes(n);
    return n;
  }

  /** A short valid stream for {@code nonce}: header, a few records, trailer. */
  private static byte[] stream(byte[] nonce) throws IOException {
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(nonce, SampleStream.DEVICES);
    w.setup(0);
    w.data(1, MemorySegment.ofArray(new byte[] {1, 2, 3}));
    w.endOfState(0);
    w.trailer();
    return c.written();
  }

  /** Reads the header and every record; returns the trailer. */
  private static Record readAll(byte[] stream, byte[] nonce) throws IOException {
    WireReader r = new WireReader(BytesChannel.reading(stream), 100, nonce);
    r.header();
    Record rec;
    do {
      rec = r.next();
    } while (!(rec instanceof Record.Trailer) && !(rec instanceof Record.Abort));
    return rec;
  }

  // --- the session nonce

  @Test
  void aHeaderCarryingAnotherNonceIsRefusedNamingTheNonce() throws IOException {
    byte[] mine = "receiver-nonce-A".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] other = "receiver-nonce-B".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] s = stream(other);
    WireReader r = new WireReader(BytesChannel.reading(s), 100, mine);
    assertThatThrownBy(r::header)
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("the session nonce does not match this receiver's")
        .hasMessageContaining("replayed")
        .satisfies(e -> assertThat(((WireFormatException) e).offset()).isEqualTo(NONCE_AT));
    // nothing of the header was accepted: the reader still has no devices
    assertThatThrownBy(r::deviceCount).isInstanceOf(IllegalStateException.class);
    // the same bytes with the nonce they were made for are fine
    assertThat(readAll(s, other)).isEqualTo(new Record.Trailer(3, 3));
  }

  @Test
  void aRecordedValidStreamReplayedToAFreshSessionIsRefused() throws IOException {
    SplittableRandom r = new SplittableRandom(42);
    // A whole recorded session: the receiver's HELLO, then the sender's stream echoing its nonce.
    byte[] first = nonce(r);
    BytesChannel back = BytesChannel.writing();
    new BackWriter(back).hello(first);
    BackMessage.Hello hello =
        (BackMessage.Hello) new BackReader(BytesChannel.reading(back.written())).next();
    byte[] recorded = stream(hello.nonce());
    assertThat(readAll(recorded, first)).isInstanceOf(Record.Trailer.class);

    // Later sessions greet with fresh nonces; the recording, replayed verbatim, is refused by each.
    for (int session = 0; session < 200; session++) {
      byte[] fresh = nonce(r);
      if (Arrays.equals(fresh, first)) {
        continue;
      }
      assertThatThrownBy(() -> readAll(recorded, fresh))
          .as("session %d", session)
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining("session nonce does not match");
    }
  }

  @Test
  void seededRandomNoncesAreAcceptedOnlyByTheirOwnReader() throws IOException {
    SplittableRandom r = new SplittableRandom(2026);
    for (int trial = 0; trial < 300; trial++) {
      byte[] sent = nonce(r);
      byte[] expected = sent.clone();
      if (trial % 3 != 0) {
        // differ in one random bit, or (every third of those) in every byte
        if (trial % 3 == 1) {
          expected[r.nextInt(expected.length)] ^= (byte) (1 << r.nextInt(8));
        } else {
          expected = nonce(r);
        }
      }
      byte[] s = stream(sent);
      if (Arrays.equals(sent, expected)) {
        assertThat(readAll(s, expected)).as("trial %d", trial).isInstanceOf(Record.Trailer.class);
      } else {
        byte[] e = expected;
        assertThatThrownBy(() -> readAll(s, e))
            .as("trial %d", trial)
            .isInstanceOf(WireFormatException.class)
            .hasMessageContaining("session nonce does not match");
      }
    }
  }

  @Test
  void noncesOfTheWrongSizeAreRefusedByBothEnds() {
    assertThatThrownBy(() -> new WireReader(BytesChannel.reading(new byte[0]), 1, new byte[15]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes");
    assertThatThrownBy(() -> new WireWriter(BytesChannel.writing()).header(new byte[17], List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes, not 17");
    assertThatThrownBy(() -> new BackWriter(BytesChannel.writing()).hello(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes");
  }

  @Test
  void theReaderKeepsItsOwnCopyOfTheNonce() throws IOException {
    byte[] n = SampleStream.NONCE.clone();
    WireReader r = new WireReader(BytesChannel.reading(stream(SampleStream.NONCE)), 100, n);
    n[0] ^= 1; // the caller's array changes after the reader was made
    assertThat(r.header()).isEqualTo(SampleStream.DEVICES);
  }

  // --- other versions

  @Test
  void senderOfAnOlderOrNewerVersionIsRefusedInWords() throws IOException {
    for (long version : new long[] {1, 2, 3, 5}) {
      byte[] s = stream(SampleStream.NONCE);
      SampleStream.putU32(s, VERSION_AT, version);
      SampleStream.fixHeaderCrc(s, WireFormat.HEADER_FIXED_BYTES + headerEntries() + 8 + 4);
      String age = version < 4 ? "an older jvfio" : "a newer jvfio";
      assertThatThrownBy(() -> readAll(s, SampleStream.NONCE))
          .isInstanceOf(WireFormatException.class)
          .hasMessage(
              "the sender speaks wire format version "
                  + version
                  + ", this end speaks version 4 ("
                  + age
                  + " on the other end): run the same jvfio release on both ends (at stream"
                  + " offset 8)");
    }
  }

  @Test
  void aVersion1SenderIsToldAboutVersionsEvenThoughItsHeaderHasNoNonce() {
    // version 1: magic, version, device count 0, header CRC; 20 bytes, shorter than a v2 nonce
    byte[] v1 = new byte[20];
    System.arraycopy(WireFormat.MAGIC_BYTES, 0, v1, 0, 8);
    SampleStream.putU32(v1, 8, 1);
    SampleStream.fixHeaderCrc(v1, 20);
    assertThatThrownBy(() -> readAll(v1, SampleStream.NONCE))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("version 1")
        .hasMessageContaining("an older jvfio");
  }

  @Test
  void receiverOfAnOlderOrNewerVersionIsDescribedInWords() throws IOException {
    // A HELLO of another version still parses (its layout is the same), and the sentence the
    // source gives for it names the receiver and which end is older.
    for (long version : new long[] {1, 2, 3, 5}) {
      byte[] hello = new byte[1 + 4 + 16 + 4];
      hello[0] = WireFormat.KIND_HELLO;
      SampleStream.putU32(hello, 1, version);
      System.arraycopy(SampleStream.NONCE, 0, hello, 5, 16);
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(hello, 0, 21);
      SampleStream.putU32(hello, 21, crc.getValue());
      BackMessage.Hello h = (BackMessage.Hello) new BackReader(BytesChannel.reading(hello)).next();
      assertThat(h.version()).isEqualTo(version);
      assertThat(WireReader.versionMismatch("receiver", h.version()))
          .startsWith("the receiver speaks wire format version " + version + ", this end")
          .contains(version < 4 ? "an older jvfio" : "a newer jvfio");
    }
  }

  private static int headerEntries() {
    return SampleStream.DEVICES.stream().mapToInt(DeviceIdentity::wireSize).sum();
  }

  // --- decision and OUTCOME

  /** A valid stream through the trailer, then COMMIT and OUTCOME(downtime, limit). */
  private static byte[] committed(long downtime, long limit) throws IOException {
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, SampleStream.DEVICES);
    w.setup(0);
    w.trailer();
    w.commit();
    w.outcome(downtime, limit);
    return c.written();
  }

  private static WireReader readToTheDecision(byte[] s) throws IOException {
    WireReader r = new WireReader(BytesChannel.reading(s), 100, SampleStream.NONCE);
    r.header();
    assertThat(r.next()).isInstanceOf(Record.Section.class);
    assertThat(r.next()).isInstanceOf(Record.Trailer.class);
    return r;
  }

  @Test
  void theOutcomeRecordRoundTrips() throws IOException {
    SplittableRandom rnd = new SplittableRandom(16);
    long[][] cases = {
      {0, 0},
      {123_456_789, 300_000_000},
      {Long.MAX_VALUE, Long.MIN_VALUE},
      {-1, 1},
      {rnd.nextLong(), rnd.nextLong()},
      {rnd.nextLong(), rnd.nextLong()}
    };
    for (long[] k : cases) {
      byte[] s = committed(k[0], k[1]);
      WireReader r = readToTheDecision(s);
      assertThat(r.decision()).isEmpty();
      assertThat(r.outcome()).isEqualTo(new WireReader.Outcome(k[0], k[1]));
      assertThat(r.offset()).isEqualTo(s.length);
    }
  }

  @Test
  void theOutcomeRecordIsLaidOutAsDocumented() throws IOException {
    byte[] s = committed(0x0102030405060708L, 0x1112131415161718L);
    int at = s.length - 21;
    assertThat(s[at - 1]).isEqualTo((byte) WireFormat.KIND_COMMIT);
    assertThat(s[at]).isEqualTo((byte) WireFormat.KIND_OUTCOME);
    assertThat(Arrays.copyOfRange(s, at + 1, at + 17))
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(s, at, 17);
    byte[] expected = new byte[4];
    SampleStream.putU32(expected, 0, crc.getValue());
    assertThat(Arrays.copyOfRange(s, at + 17, at + 21)).isEqualTo(expected);
  }

  @Test
  void everySingleByteAlterationOfTheOutcomeIsRejected() throws IOException {
    byte[] s = committed(987_654_321L, 300_000_000L);
    int from = s.length - 21;
    Map<String, Integer> problems = new TreeMap<>();
    for (int at = from; at < s.length; at++) {
      byte original = s[at];
      for (int v = 0; v < 256; v++) {
        if ((byte) v == original) {
          continue;
        }
        s[at] = (byte) v;
        WireReader r = readToTheDecision(s);
        assertThat(r.decision()).isEmpty();
        int where = at;
        try {
          WireReader.Outcome o = r.outcome();
          throw new AssertionError("byte " + where + " = " + v + " was accepted: " + o);
        } catch (WireFormatException e) {
          String family = e.problem().startsWith("expected the outcome record") ? "kind" : "crc";
          if (family.equals("crc")) {
            assertThat(e.problem()).startsWith("outcome CRC32C mismatch");
            assertThat(e.offset()).isEqualTo(from + 17);
          } else {
            assertThat(e.offset()).isEqualTo(from);
          }
          problems.merge(family, 1, Integer::sum);
        }
      }
      s[at] = original;
    }
    assertThat(problems).containsEntry("kind", 255).containsEntry("crc", 20 * 255);
  }

  @Test
  void aTruncatedOutcomeIsAnEofException() throws IOException {
    byte[] whole = committed(1, 2);
    for (int cut = whole.length - 21; cut < whole.length; cut++) {
      WireReader r = readToTheDecision(Arrays.copyOf(whole, cut));
      assertThat(r.decision()).isEmpty();
      assertThatThrownBy(r::outcome)
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("the stream ended inside");
    }
  }

  @Test
  void theDecisionIsCommitOrAbortAndNothingElse() throws IOException {
    byte[] s = committed(1, 2);
    int commitAt = s.length - 22;
    for (int v = 0; v < 256; v++) {
      s[commitAt] = (byte) v;
      WireReader r = readToTheDecision(s);
      if (v == WireFormat.KIND_COMMIT) {
        assertThat(r.decision()).isEmpty();
      } else if (v == WireFormat.KIND_ABORT) {
        // the outcome's bytes read as an abort's length and reason: never a commit
        assertThatThrownBy(r::decision).isInstanceOf(IOException.class);
      } else {
        assertThatThrownBy(r::decision)
            .isInstanceOf(WireFormatException.class)
            .hasMessageContaining(String.format("unknown decision 0x%02x", v));
      }
    }
  }

  @Test
  void anAbortInPlaceOfTheCommitIsTheDecision() throws IOException {
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, SampleStream.DEVICES);
    w.setup(1);
    w.trailer();
    w.abort("source: the destination answered too late");
    assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w.outcome(1, 2)).isInstanceOf(IllegalStateException.class);
    WireReader r = readToTheDecision(c.written());
    assertThat(r.decision()).isEqualTo(Optional.of("source: the destination answered too late"));
    assertThatThrownBy(r::outcome)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the outcome follows a commit");
  }

  @Test
  void commitAndOutcomeComeOnlyInTheirPlace() throws IOException {
    WireWriter w = new WireWriter(BytesChannel.writing());
    w.header(SampleStream.NONCE, SampleStream.DEVICES);
    assertThatThrownBy(w::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("commit() comes after the trailer");
    assertThatThrownBy(() -> w.outcome(1, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("outcome() follows a commit()");
    w.trailer();
    assertThatThrownBy(() -> w.outcome(1, 2)).isInstanceOf(IllegalStateException.class);
    w.commit();
    assertThatThrownBy(w::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the decision was already sent");
    assertThatThrownBy(() -> w.abort("too late")).isInstanceOf(IllegalStateException.class);

    WireReader r = new WireReader(BytesChannel.reading(committed(1, 2)), 100, SampleStream.NONCE);
    r.header();
    assertThatThrownBy(r::decision).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(r::outcome).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCommitOrOutcomeKindBeforeTheTrailerIsAnUnknownRecord() throws IOException {
    for (int kind : new int[] {WireFormat.KIND_COMMIT, WireFormat.KIND_OUTCOME}) {
      byte[] s = stream(SampleStream.NONCE);
      int first = WireFormat.HEADER_FIXED_BYTES + headerEntries() + 8 + 4;
      s[first] = (byte) kind;
      assertThatThrownBy(() -> readAll(s, SampleStream.NONCE))
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining(String.format("unknown record kind 0x%02x", kind));
    }
  }
}
