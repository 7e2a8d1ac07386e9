package io.jvfio.migration.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** A small valid stream with the offset of each record, for the malformation tests. */
final class SampleStream {
  static final List<DeviceIdentity> DEVICES =
      List.of(
          new DeviceIdentity(0, "0000:00:03.0", "jvfio-counter", 0x1af4, 0x1234, 7),
          new DeviceIdentity(1, "0000:00:04.0", "mtty \u2713", 0x4321, 0x0001, 3));

  /** The session nonce of every test stream (a receiver's HELLO would have sent it). */
  static final byte[] NONCE =
      "jvfio-test-nonce".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  final byte[] bytes;
  final int headerLength;

  /** Offset of each record's kind byte, by name. */
  final Map<String, Integer> at = new LinkedHashMap<>();

  private SampleStream(byte[] bytes, int headerLength, Map<String, Integer> at) {
    this.bytes = bytes;
    this.headerLength = headerLength;
    this.at.putAll(at);
  }

  static SampleStream build() {
    try {
      SplittableRandom r = new SplittableRandom(5);
      BytesChannel c = BytesChannel.writing();
      WireWriter w = new WireWriter(c);
      Map<String, Integer> at = new LinkedHashMap<>();
      w.header(SampleStream.NONCE, DEVICES);
      int headerLength = c.writtenLength();
      at.put("setup0", c.writtenLength());
      w.setup(0);
      at.put("setup1", c.writtenLength());
      w.setup(1);
      at.put("data0", c.writtenLength());
      w.data(0, random(r, 100));
      at.put("data1empty", c.writtenLength());
      w.data(1, random(r, 0));
      at.put("init0", c.writtenLength());
      w.initDataSent(0);
      at.put("data1", c.writtenLength());
      w.data(1, random(r, 37));
      at.put("config1", c.writtenLength());
      w.config(1, random(r, 10));
      at.put("stopCopy0", c.writtenLength());
      w.stopCopy(0);
      at.put("end0", c.writtenLength());
      w.endOfState(0);
      at.put("end1", c.writtenLength());
      w.endOfState(1);
      at.put("trailer", c.writtenLength());
      w.trailer();
      return new SampleStream(c.written(), headerLength, at);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static MemorySegment random(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return MemorySegment.ofArray(b);
  }

  byte[] copy() {
    return Arrays.copyOf(bytes, bytes.length);
  }

  /** Reads a whole stream; returns a printable list of what came out (payloads as CRCs). */
  static List<String> parse(byte[] stream, long maxPayload) throws IOException {
    WireReader reader =
        new WireReader(BytesChannel.reading(stream), maxPayload, SampleStream.NONCE);
    List<String> out = new ArrayList<>();
    out.add(reader.header().toString());
    while (true) {
      Record rec = reader.next();
      switch (rec) {
        case Record.Data d -> out.add("data " + d.device() + " " + crc(d.payload()));
        case Record.Config cf -> out.add("config " + cf.device() + " " + crc(cf.payload()));
        case Record.Section s -> out.add(s.toString());
        case Record.RamPages p -> out.add("ram " + p.address() + " " + crc(p.payload()));
        case Record.RamZero z -> out.add(z.toString());
        case Record.Trailer t -> {
          out.add(t.toString());
          return out;
        }
        case Record.Abort a -> {
          out.add(a.toString());
          return out;
        }
      }
    }
  }

  private static String crc(MemorySegment s) {
    CRC32C c = new CRC32C();
    c.update(s.asByteBuffer());
    return s.byteSize() + "/" + Long.toHexString(c.getValue());
  }

  /** Rewrites the header CRC after a test changed header bytes (header is [0, headerLength)). */
  static void fixHeaderCrc(byte[] stream, int headerLength) {
    CRC32C c = new CRC32C();
    c.update(stream, 0, headerLength - 4);
    putU32(stream, headerLength - 4, c.getValue());
  }

  static void putU16(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
  }

  static void putU32(byte[] b, int at, long v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (24 - 8 * i));
    }
  }

  static void putU64(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (56 - 8 * i));
    }
  }
}
