package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Guest RAM records (version 4): layout, round trip, and every refusal at its field's offset. */
class WireRamTest {
  static final long RAM = 1L << 20;

  /** A stream with guest RAM: two data pages at 0x3000, 5 zero pages at 0x8000, the trailer. */
  static byte[] stream(long ramBytes, MemorySegment pages) throws IOException {
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, SampleStream.DEVICES, ramBytes);
    w.ramPages(0x3000, pages);
    w.ramZero(0x8000, 5);
    w.trailer();
    return c.written();
  }

  static MemorySegment pages(int n) {
    byte[] b = new byte[n * WireFormat.RAM_PAGE_BYTES];
    new SplittableRandom(n).nextBytes(b);
    return MemorySegment.ofArray(b);
  }

  private static int headerLength() {
    return WireFormat.HEADER_FIXED_BYTES
        + SampleStream.DEVICES.stream().mapToInt(DeviceIdentity::wireSize).sum()
        + 8
        + 4;
  }

  private static List<String> read(byte[] s) throws IOException {
    return SampleStream.parse(s, 1 << 20);
  }

  @Test
  void ramRecordsRoundTripAndCountInTheTrailer() throws IOException {
    MemorySegment p = pages(2);
    byte[] s = stream(RAM, p);
    int h = headerLength();
    // RAM_PAGES: kind, address, count, the pages, CRC; RAM_ZERO: kind, address, count
    assertThat(s[h]).isEqualTo((byte) WireFormat.KIND_RAM_PAGES);
    int zero = h + 13 + 2 * 4096 + 4;
    assertThat(s[zero]).isEqualTo((byte) WireFormat.KIND_RAM_ZERO);
    assertThat(s.length).isEqualTo(zero + 13 + WireFormat.TRAILER_BYTES);
    WireReader r = new WireReader(BytesChannel.reading(s), 1 << 20, SampleStream.NONCE);
    r.header();
    assertThat(r.guestRamBytes()).isEqualTo(RAM);
    Record.RamPages rp = (Record.RamPages) r.next();
    assertThat(rp.address()).isEqualTo(0x3000);
    assertThat(rp.payload().mismatch(p)).isEqualTo(-1);
    assertThat(r.next()).isEqualTo(new Record.RamZero(0x8000, 5));
    assertThat(r.next()).isEqualTo(new Record.Trailer(2, 2 * 4096));
  }

  @Test
  void aPageByteAlteredIsCaughtByTheRecordsCrc() throws IOException {
    byte[] s = stream(RAM, pages(2));
    s[headerLength() + 13 + 5000] ^= 0x01;
    assertThatThrownBy(() -> read(s))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining(
            "payload CRC32C mismatch in the RAM_PAGES record for guest address 0x3000");
  }

  @Test
  void anAddressAlteredIntoAnotherValidOneIsCaughtByTheTrailer() throws IOException {
    byte[] s = stream(RAM, pages(1));
    s[headerLength() + 7] ^= 0x10; // 0x3000 -> 0x2000 (big-endian: the second lowest byte)
    assertThatThrownBy(() -> read(s))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("stream CRC32C mismatch");
  }

  @Test
  void badRamRecordsAreRefusedAtTheirField() throws IOException {
    int h = headerLength();
    // unaligned address
    byte[] a = stream(RAM, pages(1));
    SampleStream.putU64(a, h + 1, 0x3001);
    assertThatThrownBy(() -> read(a))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("are not whole pages inside the header's 1048576 bytes")
        .satisfies(e -> assertThat(((WireFormatException) e).offset()).isEqualTo(h + 1));
    // pages past the end of the RAM
    byte[] b = stream(RAM, pages(1));
    int zero = h + 13 + 4096 + 4;
    SampleStream.putU32(b, zero + 9, 250);
    assertThatThrownBy(() -> read(b)).hasMessageContaining("250 pages at guest address 0x8000");
    // no pages
    byte[] c = stream(RAM, pages(1));
    SampleStream.putU32(c, zero + 9, 0);
    assertThatThrownBy(() -> read(c)).hasMessageContaining("0 pages");
    // more pages than a window
    byte[] d = stream(RAM, pages(1));
    SampleStream.putU32(d, h + 9, 257);
    assertThatThrownBy(() -> read(d)).hasMessageContaining("at most 256 pages a record");
  }

  @Test
  void ramRecordsInASessionWithoutRamAreRefused() throws IOException {
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(SampleStream.NONCE, SampleStream.DEVICES);
    assertThatThrownBy(() -> w.ramZero(0, 1)).isInstanceOf(IllegalArgumentException.class);
    byte[] s = stream(RAM, pages(1));
    SampleStream.putU64(s, headerLength() - 12, 0);
    SampleStream.fixHeaderCrc(s, headerLength());
    assertThatThrownBy(() -> read(s))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining(
            "a RAM_PAGES record in a session whose header announced no guest RAM");
  }

  @Test
  void aRamSizeOfPartPagesIsRefusedInTheHeader() {
    assertThatThrownBy(() -> stream(4095, pages(1))).isInstanceOf(IllegalArgumentException.class);
  }
}
