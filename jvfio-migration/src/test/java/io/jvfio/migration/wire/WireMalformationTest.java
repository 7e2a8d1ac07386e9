package io.jvfio.migration.wire;

import static io.jvfio.migration.wire.SampleStream.fixHeaderCrc;
import static io.jvfio.migration.wire.SampleStream.putU16;
import static io.jvfio.migration.wire.SampleStream.putU32;
import static io.jvfio.migration.wire.SampleStream.putU64;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each malformation is caught by the check meant for it, named, with the right offset. */
class WireMalformationTest {
  // Header layout of SampleStream (see docs/wire-format.md).
  private static final int VERSION_AT = 8;
  private static final int NONCE_AT = 12;
  private static final int COUNT_AT = NONCE_AT + WireFormat.NONCE_BYTES;
  private static final int DEV0 = COUNT_AT + 4;
  private static final int DEV0_BDF_LENGTH = DEV0 + 2;
  private static final int DEV0_BDF = DEV0 + 4;
  private static final int DEV0_MODEL_LENGTH = DEV0_BDF + 12;
  private static final int DEV0_MODEL = DEV0_MODEL_LENGTH + 2;
  private static final int DEV1 = DEV0_MODEL + 13 + 2 + 2 + 8;
  private static final int RAM_AT = DEV1 + 2 + 2 + 12 + 2 + 8 + 2 + 2 + 8;
  private static final int HEADER_CRC_AT = RAM_AT + 8;

  private SampleStream sample;
  private byte[] s;

  @BeforeEach
  void build() {
    sample = SampleStream.build();
    s = sample.copy();
  }

  private int at(String record) {
    return sample.at.get(record);
  }

  @Test
  void theSampleStreamIsValidAndLaidOutAsDocumented() throws Exception {
    // The fixed part of the header as docs/wire-format.md lays it out.
    assertThat(WireFormat.HEADER_FIXED_BYTES).isEqualTo(32).isEqualTo(DEV0);
    assertThat(Arrays.copyOfRange(s, 0, 8)).isEqualTo("JVFIOMIG".getBytes(US_ASCII));
    assertThat(Arrays.copyOfRange(s, VERSION_AT, NONCE_AT)).containsExactly(0, 0, 0, 4);
    assertThat(Arrays.copyOfRange(s, NONCE_AT, COUNT_AT)).isEqualTo(SampleStream.NONCE);
    assertThat(Arrays.copyOfRange(s, COUNT_AT, DEV0)).containsExactly(0, 0, 0, 2);
    assertThat(Arrays.copyOfRange(s, DEV0_BDF, DEV0_BDF + 12))
        .isEqualTo("0000:00:03.0".getBytes(US_ASCII));
    assertThat(sample.headerLength).isEqualTo(HEADER_CRC_AT + 4);
    // Record sizes: a section 11 bytes, a payload record 23 plus its payload, the trailer 21.
    assertThat(at("setup1") - at("setup0")).isEqualTo(WireFormat.SECTION_BYTES).isEqualTo(11);
    assertThat(at("data1empty") - at("data0")).isEqualTo(23 + 100);
    assertThat(at("init0") - at("data1empty")).isEqualTo(23);
    assertThat(WireFormat.TRAILER_BYTES).isEqualTo(21);
    assertThat(at("end0") - at("stopCopy0")).isEqualTo(11);
    assertThat(SampleStream.parse(s, 100))
        .hasSize(12)
        .contains(new Record.Section(0, Marker.STOP_COPY_STATE).toString())
        .last()
        .isEqualTo(new Record.Trailer(10, 147).toString());
    assertThat(s.length).isEqualTo(at("trailer") + WireFormat.TRAILER_BYTES);
  }

  @Test
  void badMagic() {
    s[0] = 'j';
    fails()
        .hasMessageContaining("bad magic \"jVFIOMIG\", expected \"JVFIOMIG\"")
        .satisfies(e -> assertThat(((WireFormatException) e).offset()).isZero());
  }

  @Test
  void notAStreamAtAll() {
    byte[] http = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> SampleStream.parse(http, 100))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("bad magic \"GET / HT\"");
  }

  @Test
  void olderVersionIsRefusedWithASentenceSayingSo() {
    putU32(s, VERSION_AT, 2);
    failsAt(VERSION_AT)
        .hasMessageContaining("the sender speaks wire format version 2, this end speaks version 4")
        .hasMessageContaining("an older jvfio on the other end")
        .hasMessageContaining("run the same jvfio release on both ends");
  }

  @Test
  void newerVersionIsRefusedWithASentenceSayingSo() {
    putU32(s, VERSION_AT, 5);
    failsAt(VERSION_AT)
        .hasMessageContaining("the sender speaks wire format version 5, this end speaks version 4")
        .hasMessageContaining("a newer jvfio on the other end");
    s = sample.copy();
    putU32(s, VERSION_AT, 0xffffffffL);
    failsAt(VERSION_AT).hasMessageContaining("version 4294967295").hasMessageContaining("newer");
  }

  @Test
  void aVersion1StreamIsRefusedByItsVersionNotItsLayout() {
    // Version 1 had no nonce: the device count followed the version. The version check comes first,
    // so such a sender is told about versions, not about a nonce.
    byte[] v1 = new byte[20];
    System.arraycopy(s, 0, v1, 0, 8);
    putU32(v1, VERSION_AT, 1);
    putU32(v1, 12, 0);
    s = v1;
    failsAt(VERSION_AT).hasMessageContaining("an older jvfio");
  }

  @Test
  void aNonceAlteredInAnyByteIsRefused() {
    for (int i = 0; i < WireFormat.NONCE_BYTES; i++) {
      s = sample.copy();
      s[NONCE_AT + i] ^= 0x01;
      fixHeaderCrc(s, sample.headerLength); // a consistent header, just for another session
      failsAt(NONCE_AT).hasMessageContaining("the session nonce does not match this receiver's");
    }
  }

  @Test
  void headerCrcMismatch() {
    s[DEV0_MODEL + 6] ^= 0x01; // "jvfio-counter" -> "jvfio-bounter": still valid text
    failsAt(HEADER_CRC_AT)
        .hasMessageContaining("header CRC32C mismatch")
        .hasMessageContaining("its " + HEADER_CRC_AT + " bytes give");
  }

  @Test
  void headerCrcFieldAltered() {
    s[HEADER_CRC_AT + 2] ^= 0x80;
    failsAt(HEADER_CRC_AT).hasMessageContaining("header CRC32C mismatch");
  }

  @Test
  void deviceCountOverTheLimit() {
    putU32(s, COUNT_AT, WireFormat.MAX_DEVICES + 1);
    failsAt(COUNT_AT).hasMessageContaining("device count 1025 is more than the limit of 1024");
  }

  @Test
  void deviceCountSmallerThanTheEntries() {
    // the guest RAM size is then read from inside entry 1, where it is no whole number of pages
    putU32(s, COUNT_AT, 1);
    failsAt(DEV1).hasMessageContaining("is not a whole number of 4096-byte pages");
  }

  @Test
  void entriesOutOfOrder() {
    putU16(s, DEV1, 0);
    fixHeaderCrc(s, sample.headerLength);
    failsAt(DEV1).hasMessageContaining("device entry 1 has index 0");
  }

  @Test
  void emptyBdf() {
    putU16(s, DEV0_BDF_LENGTH, 0);
    fixHeaderCrc(s, sample.headerLength);
    failsAt(DEV0_BDF_LENGTH).hasMessageContaining("device entry 0 has a BDF length of 0");
  }

  @Test
  void overlongBdf() {
    putU16(s, DEV0_BDF_LENGTH, 65);
    failsAt(DEV0_BDF_LENGTH).hasMessageContaining("BDF length of 65 (allowed 1-64)");
  }

  @Test
  void bdfWithASpace() {
    s[DEV0_BDF + 4] = ' ';
    fixHeaderCrc(s, sample.headerLength);
    failsAt(DEV0_BDF).hasMessageContaining("BDF that is not printable ASCII: \"0000 00:03.0\"");
  }

  @Test
  void overlongModel() {
    putU16(s, DEV0_MODEL_LENGTH, 257);
    failsAt(DEV0_MODEL_LENGTH).hasMessageContaining("model name of 257 bytes (at most 256)");
  }

  @Test
  void modelNotUtf8() {
    s[DEV0_MODEL] = (byte) 0xff;
    fixHeaderCrc(s, sample.headerLength);
    failsAt(DEV0_MODEL).hasMessageContaining("model name that is not valid UTF-8");
  }

  @Test
  void deviceIndexOutOfRange() {
    putU16(s, at("data0") + 1, 2);
    failsAt(at("data0") + 1)
        .hasMessageContaining("device index 2 is out of range: the header lists 2 devices");
    s = sample.copy();
    putU16(s, at("end1") + 1, 0xffff);
    failsAt(at("end1") + 1).hasMessageContaining("device index 65535 is out of range");
  }

  @Test
  void unknownRecordKind() {
    s[at("setup1")] = 0x04;
    failsAt(at("setup1")).hasMessageContaining("unknown record kind 0x04");
    s = sample.copy();
    s[at("trailer")] = (byte) 0xff;
    failsAt(at("trailer")).hasMessageContaining("unknown record kind 0xff");
  }

  @Test
  void unknownMarker() {
    s[at("end0") + 10] = 0x09;
    failsAt(at("end0") + 3)
        .hasMessageContaining("unknown section marker 0xffffffffef100009 for device 0");
    s = sample.copy();
    s[at("end0") + 10] = 0x06; // QEMU's CONFIG_LOAD_READY, not part of this format
    failsAt(at("end0") + 3).hasMessageContaining("unknown section marker 0xffffffffef100006");
    s = sample.copy();
    s[at("end0") + 3] = 0x7f;
    failsAt(at("end0") + 3).hasMessageContaining("unknown section marker 0x7fffffffef100001");
    s = sample.copy();
    s[at("stopCopy0") + 9] = 0x02; // jvfio's own flags are 0x01xx; 0x0201 is none of them
    failsAt(at("stopCopy0") + 3).hasMessageContaining("unknown section marker 0xffffffffef100201");
  }

  @Test
  void payloadLargerThanTheReadersLimit() throws Exception {
    assertThat(SampleStream.parse(s, 100)).hasSize(12);
    assertThatThrownBy(() -> SampleStream.parse(s, 99))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining(
            "payload size 100 of the DATA_STATE record for device 0 is larger than the limit of"
                + " 99 bytes")
        .satisfies(e -> assertThat(((WireFormatException) e).offset()).isEqualTo(at("data0") + 11));
    putU64(s, at("data0") + 11, -1L);
    failsAt(at("data0") + 11).hasMessageContaining("payload size 18446744073709551615");
  }

  @Test
  void payloadCrcMismatch() {
    int data0 = at("data0");
    s[data0 + 19 + 50] ^= 0x40;
    failsAt(data0 + 19 + 100)
        .hasMessageContaining("payload CRC32C mismatch in the DATA_STATE record for device 0")
        .hasMessageContaining("its 100 bytes at offset " + (data0 + 19));
    s = sample.copy();
    s[data0 + 19 + 100 + 3] ^= 0x01; // the CRC field itself
    failsAt(data0 + 19 + 100).hasMessageContaining("payload CRC32C mismatch");
    s = sample.copy();
    int config1 = at("config1");
    s[config1 + 19] ^= 0x01;
    failsAt(config1 + 19 + 10)
        .hasMessageContaining("payload CRC32C mismatch in the CONFIG_STATE record for device 1");
  }

  @Test
  void emptyPayloadStillCarriesACrc() {
    int empty = at("data1empty");
    s[empty + 19] ^= 0x10; // CRC32C of no bytes is 0x00000000
    failsAt(empty + 19).hasMessageContaining("payload CRC32C mismatch");
  }

  @Test
  void trailerCountsMustMatchWhatWasRead() {
    int t = at("trailer");
    putU64(s, t + 1, 9);
    failsAt(t + 1)
        .hasMessageContaining(
            "trailer record count mismatch: the trailer says 9 section records, 10 were read");
    s = sample.copy();
    putU64(s, t + 9, 146);
    failsAt(t + 9)
        .hasMessageContaining(
            "trailer payload byte count mismatch: the trailer says 146 bytes, 147 were read");
  }

  @Test
  void theStreamCrcCatchesADeviceIndexTurnedIntoAnotherValidOne() {
    putU16(s, at("end0") + 1, 1); // END_OF_STATE for device 1 instead of 0: every check passes
    failsAt(at("trailer") + 17)
        .hasMessageContaining("stream CRC32C mismatch")
        .hasMessageContaining("the records from offset " + sample.headerLength);
  }

  @Test
  void theStreamCrcCatchesAMarkerTurnedIntoAnotherValidOne() {
    s[at("end1") + 10] = 0x05; // END_OF_STATE -> INIT_DATA_SENT
    failsAt(at("trailer") + 17).hasMessageContaining("stream CRC32C mismatch");
    s = sample.copy();
    s[at("stopCopy0") + 9] = 0x00; // STOP_COPY_STATE -> END_OF_STATE
    failsAt(at("trailer") + 17).hasMessageContaining("stream CRC32C mismatch");
    s = sample.copy();
    s[at("data1") + 10] = 0x02; // DATA_STATE -> CONFIG_STATE, same framing
    failsAt(at("trailer") + 17).hasMessageContaining("stream CRC32C mismatch");
  }

  @Test
  void theStreamCrcFieldItself() {
    s[at("trailer") + 20] ^= 0x01;
    failsAt(at("trailer") + 17).hasMessageContaining("stream CRC32C mismatch");
  }

  @Test
  void aTruncatedStreamIsAnEofExceptionWhereverItIsCut() {
    for (int cut = 0; cut < s.length; cut++) {
      byte[] part = Arrays.copyOf(s, cut);
      assertThatThrownBy(() -> SampleStream.parse(part, 100))
          .as("cut at %d", cut)
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("the stream ended inside");
    }
  }

  @Test
  void truncationMessagesNameTheFieldAndOffset() {
    int data0 = at("data0");
    assertThatThrownBy(() -> SampleStream.parse(Arrays.copyOf(s, data0 + 19 + 40), 100))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining(
            "the stream ended inside the payload of a section record at offset " + (data0 + 19));
    assertThatThrownBy(() -> SampleStream.parse(Arrays.copyOf(s, at("trailer")), 100))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("the kind byte of the next record (no trailer yet)")
        .hasMessageContaining("at offset " + at("trailer"));
    assertThatThrownBy(() -> SampleStream.parse(Arrays.copyOf(s, 5), 100))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("inside the magic at offset 0");
  }

  @Test
  void abortReasonMustBeUtf8() {
    byte[] stream = Arrays.copyOf(s, at("setup0") + 5);
    stream[at("setup0")] = WireFormat.KIND_ABORT;
    putU16(stream, at("setup0") + 1, 2);
    stream[at("setup0") + 3] = (byte) 0xc3;
    stream[at("setup0") + 4] = (byte) 0x28;
    assertThatThrownBy(() -> SampleStream.parse(stream, 100))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("abort reason is not valid UTF-8");
  }

  @Test
  void theExceptionSeparatesProblemAndOffset() {
    WireFormatException e = new WireFormatException("bad thing", 42);
    assertThat(e.problem()).isEqualTo("bad thing");
    assertThat(e.offset()).isEqualTo(42);
    assertThat(e).hasMessage("bad thing (at stream offset 42)");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> fails() {
    return assertThatThrownBy(() -> SampleStream.parse(s, 100))
        .isInstanceOf(WireFormatException.class);
  }

  private AbstractThrowableAssert<?, ? extends Throwable> failsAt(long offset) {
    return fails()
        .satisfies(
            e -> assertThat(((WireFormatException) e).offset()).as("offset").isEqualTo(offset))
        .hasMessageEndingWith("(at stream offset " + offset + ")");
  }
}
