package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Reads and checks the forward stream: {@link #header()} once, then {@link #next()} until a {@link
 * Record.Trailer} or {@link Record.Abort}. Every malformed byte sequence ends in a {@link
 * WireFormatException} naming the field and its offset; a stream that ends early in an {@link
 * java.io.EOFException} (also naming them).
 *
 * <p>What is checked: the magic, the version, header lengths and string encodings, the header's
 * CRC32C; per record the kind, the device index against the header's count, the marker, the payload
 * size against {@code maxPayload}, the payload's CRC32C; at the trailer its counts against what was
 * read and the stream CRC32C over every record byte except payloads (which their own CRCs cover). A
 * record whose device index or marker was altered into another valid one is caught only by the
 * trailer, so a destination must treat loaded state as unverified until {@code next()} returns the
 * trailer.
 *
 * <p>Payloads land in one native buffer of at most {@link WireFormat#WINDOW_BYTES}, whatever size a
 * record claims: a DATA payload larger than {@link WireFormat#PIECE_BYTES} comes out as several
 * {@link Record.Data} pieces (small enough to stay in the cache while checksummed and copied), the
 * last with {@code complete} set once the record's CRC32C matched. A piece is a view valid until
 * the next call. A session header must echo the receiver's nonce, so a recorded stream cannot be
 * replayed to another session. With {@link #setRecordTimeout}, every record (and payload window)
 * must arrive whole within that time. Not thread-safe.
 */
public final class WireReader {
  private final WireInput in;
  private final long maxPayload;
  private final CRC32C streamCrc = new CRC32C();
  private final CRC32C payloadCrc = new CRC32C();

  private final byte[] nonce;
  private int devices = -1;
  private long ramBytes;
  private boolean finished;
  private boolean trailerRead;
  private boolean committed;
  private long records;
  private long payloadBytes;
  private long firstRecordOffset;

  // the DATA payload being delivered in pieces: bytes still to come, its device and start offset
  private long payloadLeft;
  private long payloadSize;
  private int payloadDevice;
  private Marker payloadMarker;
  private long payloadAt;

  private MemorySegment buffer = MemorySegment.ofArray(new byte[0]);
  private ByteBuffer bufferView = ByteBuffer.allocate(0);
  private MemorySegment lastView = buffer;

  /**
   * @param maxPayload the largest DATA or CONFIG payload a record may claim; the reader never holds
   *     more than {@link WireFormat#WINDOW_BYTES} of it at once (QEMU sends 1 MiB data chunks)
   * @param nonce the session nonce this receiver sent in its HELLO, which the header must echo
   */
  public WireReader(Channel channel, long maxPayload, byte[] nonce) {
    Objects.requireNonNull(channel, "channel");
    if (maxPayload < 0) {
      throw new IllegalArgumentException("maxPayload must not be negative: " + maxPayload);
    }
    if (nonce.length != WireFormat.NONCE_BYTES) {
      throw new IllegalArgumentException(
          "a session nonce has " + WireFormat.NONCE_BYTES + " bytes");
    }
    this.in = new WireInput(channel, "stream");
    this.maxPayload = maxPayload;
    this.nonce = nonce.clone();
  }

  /**
   * Every record, and every window of a payload, must arrive whole within {@code timeout} of the
   * reader starting to wait for it (zero: no limit).
   */
  public void setRecordTimeout(java.time.Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("record timeout must not be negative: " + timeout);
    }
    in.unitTimeout(timeout.toNanos());
  }

  /** Reads and checks the session header, including the echoed nonce. */
  public List<DeviceIdentity> header() throws IOException {
    if (devices >= 0) {
      throw new IllegalStateException("the session header was already read");
    }
    CRC32C headerCrc = new CRC32C();
    in.begin();
    in.crcInto(headerCrc);
    byte[] magic = in.bytes(8, "the magic");
    if (!Arrays.equals(magic, WireFormat.MAGIC_BYTES)) {
      throw new WireFormatException(
          "bad magic "
              + Text.quote(magic)
              + ", expected \""
              + WireFormat.MAGIC
              + "\": not a jvfio migration stream",
          0);
    }
    long version = in.u32("the version");
    if (version != WireFormat.VERSION) {
      throw new WireFormatException(versionMismatch("sender", version), 8);
    }
    byte[] echoed = in.bytes(WireFormat.NONCE_BYTES, "the session nonce");
    if (!java.security.MessageDigest.isEqual(echoed, nonce)) {
      throw new WireFormatException(
          "the session nonce does not match this receiver's: the stream was not made for this"
              + " session (a recorded stream replayed, or one meant for another receiver)",
          12);
    }
    long count = in.u32("the device count");
    if (count > WireFormat.MAX_DEVICES) {
      throw new WireFormatException(
          "device count " + count + " is more than the limit of " + WireFormat.MAX_DEVICES, 28);
    }
    List<DeviceIdentity> ids = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      ids.add(identity(i));
    }
    long ramAt = in.offset();
    long ram = in.u64("the guest RAM size");
    if (ram < 0 || ram % WireFormat.RAM_PAGE_BYTES != 0) {
      throw new WireFormatException(
          "guest RAM size "
              + Long.toUnsignedString(ram)
              + " is not a whole number of "
              + WireFormat.RAM_PAGE_BYTES
              + "-byte pages",
          ramAt);
    }
    long at = in.offset();
    int computed = (int) headerCrc.getValue();
    in.crcInto(null);
    int stored = (int) in.u32("the header CRC32C");
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "header CRC32C mismatch: the header says 0x%08x, its %d bytes give 0x%08x",
              stored, at, computed),
          at);
    }
    in.crcInto(streamCrc);
    firstRecordOffset = in.offset();
    devices = (int) count;
    ramBytes = ram;
    return Collections.unmodifiableList(ids);
  }

  private DeviceIdentity identity(int i) throws IOException {
    String dev = "device entry " + i;
    long at = in.offset();
    int index = in.u16("the index of " + dev);
    if (index != i) {
      throw new WireFormatException(
          dev + " has index " + index + "; entries must be numbered 0..n-1 in order", at);
    }
    at = in.offset();
    int bdfLength = in.u16("the BDF length of " + dev);
    if (bdfLength == 0 || bdfLength > WireFormat.MAX_BDF_BYTES) {
      throw new WireFormatException(
          dev
              + " has a BDF length of "
              + bdfLength
              + " (allowed 1-"
              + WireFormat.MAX_BDF_BYTES
              + ")",
          at);
    }
    at = in.offset();
    byte[] bdf = in.bytes(bdfLength, "the BDF of " + dev);
    if (!Text.printableAscii(bdf)) {
      throw new WireFormatException(
          dev + " has a BDF that is not printable ASCII: " + Text.quote(bdf), at);
    }
    at = in.offset();
    int modelLength = in.u16("the model length of " + dev);
    if (modelLength > WireFormat.MAX_MODEL_BYTES) {
      throw new WireFormatException(
          dev
              + " has a model name of "
              + modelLength
              + " bytes (at most "
              + WireFormat.MAX_MODEL_BYTES
              + ")",
          at);
    }
    at = in.offset();
    String model = Text.decodeUtf8(in.bytes(modelLength, "the model name of " + dev));
    if (model == null) {
      throw new WireFormatException(dev + " has a model name that is not valid UTF-8", at);
    }
    int vendor = in.u16("the vendor id of " + dev);
    int device = in.u16("the device id of " + dev);
    long flags = in.u64("the migration flags of " + dev);
    return new DeviceIdentity(
        index, new String(bdf, StandardCharsets.US_ASCII), model, vendor, device, flags);
  }

  /**
   * The sentence for a peer that speaks another wire version: who is older, and what to do.
   *
   * @param peer "sender" or "receiver"
   */
  public static String versionMismatch(String peer, long version) {
    String age = version < WireFormat.VERSION ? "an older" : "a newer";
    return "the "
        + peer
        + " speaks wire format version "
        + version
        + ", this end speaks version "
        + WireFormat.VERSION
        + " ("
        + age
        + " jvfio on the other end): run the same jvfio release on both ends";
  }

  /**
   * After the trailer: the source's decision. Empty means COMMIT (the devices may run); a reason
   * means the source aborted.
   */
  public java.util.Optional<String> decision() throws IOException {
    if (!trailerRead || committed) {
      throw new IllegalStateException("the decision follows the trailer, once");
    }
    in.begin();
    long at = in.offset();
    int kind = in.u8("the source's decision after the trailer");
    return switch (kind) {
      case WireFormat.KIND_COMMIT -> {
        committed = true;
        yield java.util.Optional.empty();
      }
      case WireFormat.KIND_ABORT -> java.util.Optional.of(((Record.Abort) abort()).reason());
      default ->
          throw new WireFormatException(
              String.format(
                  "unknown decision 0x%02x after the trailer (expected 0x%02x commit or 0x%02x abort)",
                  kind, WireFormat.KIND_COMMIT, WireFormat.KIND_ABORT),
              at);
    };
  }

  /**
   * After a COMMIT and the destination's RESULT: the source's OUTCOME record (the downtime it
   * measured and its limit).
   */
  public Outcome outcome() throws IOException {
    if (!committed) {
      throw new IllegalStateException("the outcome follows a commit");
    }
    in.begin();
    CRC32C crc = new CRC32C();
    in.crcInto(crc);
    long at = in.offset();
    int kind = in.u8("the kind of the outcome record");
    if (kind != WireFormat.KIND_OUTCOME) {
      throw new WireFormatException(
          String.format(
              "expected the outcome record 0x%02x after the commit, got 0x%02x",
              WireFormat.KIND_OUTCOME, kind),
          at);
    }
    long downtime = in.u64("the downtime of the outcome");
    long limit = in.u64("the downtime limit of the outcome");
    int computed = (int) crc.getValue();
    in.crcInto(null);
    at = in.offset();
    int stored = (int) in.u32("the CRC32C of the outcome");
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "outcome CRC32C mismatch: the record says 0x%08x, its bytes give 0x%08x",
              stored, computed),
          at);
    }
    return new Outcome(downtime, limit);
  }

  /**
   * Reads the next record, or the next piece of a DATA payload larger than the window.
   *
   * @throws IllegalStateException before {@link #header()} or after the trailer or an abort
   */
  public Record next() throws IOException {
    if (devices < 0) {
      throw new IllegalStateException("read the header() first");
    }
    if (finished) {
      throw new IllegalStateException("the stream already ended (trailer or abort)");
    }
    in.begin();
    if (payloadLeft > 0) {
      return piece(WireFormat.PIECE_BYTES);
    }
    long at = in.offset();
    int kind = in.u8("the kind byte of the next record (no trailer yet)");
    return switch (kind) {
      case WireFormat.KIND_SECTION -> section();
      case WireFormat.KIND_RAM_PAGES -> ramPages();
      case WireFormat.KIND_RAM_ZERO -> ramZero();
      case WireFormat.KIND_TRAILER -> trailer();
      case WireFormat.KIND_ABORT -> abort();
      default ->
          throw new WireFormatException(
              String.format(
                  "unknown record kind 0x%02x (expected 0x%02x section, 0x%02x RAM pages, 0x%02x"
                      + " RAM zero pages, 0x%02x trailer or 0x%02x abort)",
                  kind,
                  WireFormat.KIND_SECTION,
                  WireFormat.KIND_RAM_PAGES,
                  WireFormat.KIND_RAM_ZERO,
                  WireFormat.KIND_TRAILER,
                  WireFormat.KIND_ABORT),
              at);
    };
  }

  private Record section() throws IOException {
    long at = in.offset();
    int device = in.u16("the device index of a section record");
    if (device >= devices) {
      throw new WireFormatException(
          "device index "
              + device
              + " is out of range: the header lists "
              + devices
              + " device"
              + (devices == 1 ? "" : "s"),
          at);
    }
    at = in.offset();
    long value = in.u64("the marker of a section record");
    Marker marker = Marker.fromValue(value);
    if (marker == null) {
      throw new WireFormatException(
          String.format("unknown section marker 0x%016x for device %d", value, device), at);
    }
    records++;
    if (!marker.hasPayload()) {
      return new Record.Section(device, marker);
    }
    at = in.offset();
    long size = in.u64("the payload size of a section record");
    if (size < 0 || size > maxPayload) {
      throw new WireFormatException(
          "payload size "
              + Long.toUnsignedString(size)
              + " of the "
              + marker
              + " record for device "
              + device
              + " is larger than the limit of "
              + maxPayload
              + " bytes",
          at);
    }
    payloadAt = in.offset();
    payloadDevice = device;
    payloadMarker = marker;
    payloadSize = size;
    payloadLeft = size;
    payloadCrc.reset();
    if (marker == Marker.CONFIG_STATE) {
      if (size > WireFormat.WINDOW_BYTES) {
        throw new WireFormatException(
            "the CONFIG_STATE payload of device "
                + device
                + " claims "
                + size
                + " bytes; config state is at most "
                + WireFormat.WINDOW_BYTES,
            at);
      }
      Record.Data d = piece(WireFormat.WINDOW_BYTES);
      return new Record.Config(device, d.payload());
    }
    return piece(WireFormat.PIECE_BYTES);
  }

  /** The guest address and page count of a RAM record, checked against the header's RAM. */
  private long[] ramRange(String what, long maxPages) throws IOException {
    long at = in.offset();
    long address = in.u64("the guest address of a " + what + " record");
    long pages = in.u32("the page count of a " + what + " record");
    if (ramBytes == 0) {
      throw new WireFormatException(
          "a " + what + " record in a session whose header announced no guest RAM", at - 1);
    }
    if (address < 0
        || address % WireFormat.RAM_PAGE_BYTES != 0
        || pages == 0
        || pages > maxPages
        || address + pages * WireFormat.RAM_PAGE_BYTES > ramBytes) {
      throw new WireFormatException(
          String.format(
              "the %s record's %d pages at guest address 0x%x are not whole pages inside the"
                  + " header's %d bytes of guest RAM (at most %d pages a record)",
              what, pages, address, ramBytes, maxPages),
          at);
    }
    records++;
    return new long[] {address, pages};
  }

  private Record ramPages() throws IOException {
    long[] r = ramRange("RAM_PAGES", WireFormat.MAX_RAM_PAGES);
    long size = r[1] * WireFormat.RAM_PAGE_BYTES;
    long at = in.offset();
    payloadCrc.reset();
    MemorySegment view = view(size);
    in.payload(view, "the pages of a RAM_PAGES record");
    crc(view);
    int computed = (int) payloadCrc.getValue();
    long crcAt = in.offset();
    int stored = (int) in.u32("the CRC32C of a RAM_PAGES record");
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "payload CRC32C mismatch in the RAM_PAGES record for guest address 0x%x: the record"
                  + " says 0x%08x, its %d bytes at offset %d give 0x%08x",
              r[0], stored, size, at, computed),
          crcAt);
    }
    payloadBytes += size;
    return new Record.RamPages(r[0], view);
  }

  private Record ramZero() throws IOException {
    long[] r = ramRange("RAM_ZERO", 0xffffffffL);
    return new Record.RamZero(r[0], r[1]);
  }

  /** The guest RAM the header announced, in bytes (0: none). */
  public long guestRamBytes() {
    if (devices < 0) {
      throw new IllegalStateException("read the header() first");
    }
    return ramBytes;
  }

  /** The next window of the current payload; the last one only once its CRC32C matched. */
  private Record.Data piece(int most) throws IOException {
    long n = Math.min(payloadLeft, most);
    MemorySegment view = view(n);
    in.payload(view, "the payload of a section record");
    crc(view);
    payloadLeft -= n;
    if (payloadLeft > 0) {
      return new Record.Data(payloadDevice, view, false);
    }
    int computed = (int) payloadCrc.getValue();
    long at = in.offset();
    int stored = (int) in.u32("the payload CRC32C of a section record");
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "payload CRC32C mismatch in the %s record for device %d: the record says 0x%08x, its"
                  + " %d bytes at offset %d give 0x%08x",
              payloadMarker, payloadDevice, stored, payloadSize, payloadAt, computed),
          at);
    }
    payloadBytes += payloadSize;
    return new Record.Data(payloadDevice, view, true);
  }

  private Record trailer() throws IOException {
    long at = in.offset();
    long sentRecords = in.u64("the record count of the trailer");
    long sentBytes = in.u64("the payload byte count of the trailer");
    int computed = (int) streamCrc.getValue();
    in.crcInto(null);
    long crcAt = in.offset();
    int stored = (int) in.u32("the stream CRC32C of the trailer");
    if (sentRecords != records) {
      throw new WireFormatException(
          "trailer record count mismatch: the trailer says "
              + Long.toUnsignedString(sentRecords)
              + " section records, "
              + records
              + " were read",
          at);
    }
    if (sentBytes != payloadBytes) {
      throw new WireFormatException(
          "trailer payload byte count mismatch: the trailer says "
              + Long.toUnsignedString(sentBytes)
              + " bytes, "
              + payloadBytes
              + " were read",
          at + 8);
    }
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "stream CRC32C mismatch: the trailer says 0x%08x, the records from offset %d to %d"
                  + " (payloads excluded) give 0x%08x; one of them was altered",
              stored, firstRecordOffset, crcAt, computed),
          crcAt);
    }
    finished = true;
    trailerRead = true;
    return new Record.Trailer(sentRecords, sentBytes);
  }

  /** The source's OUTCOME: what it measured, so that both ends report the same downtime. */
  public record Outcome(long downtimeNanos, long limitNanos) {}

  private Record abort() throws IOException {
    in.crcInto(null);
    int length = in.u16("the reason length of an abort");
    long at = in.offset();
    String reason = Text.decodeUtf8(in.bytes(length, "the reason of an abort"));
    if (reason == null) {
      throw new WireFormatException("the abort reason is not valid UTF-8", at);
    }
    finished = true;
    return new Record.Abort(reason);
  }

  /**
   * A view of {@code size} bytes (at most a window) of the reusable buffer, growing it as payloads
   * actually arrive: never to more than the window, whatever a record claims.
   */
  private MemorySegment view(long size) {
    if (size == lastView.byteSize()) {
      return lastView;
    }
    if (size > buffer.byteSize()) {
      long grown = Math.min(WireFormat.WINDOW_BYTES, Math.max(size, buffer.byteSize() * 2));
      buffer = Arena.ofAuto().allocate(Math.max(grown, 4096), 64);
      bufferView = buffer.asByteBuffer();
    }
    lastView = buffer.asSlice(0, size);
    return lastView;
  }

  /** Adds the view (the start of the buffer) to the running payload CRC. */
  private void crc(MemorySegment view) {
    bufferView.clear().limit((int) view.byteSize());
    payloadCrc.update(bufferView);
  }

  /** Bytes read so far. */
  public long offset() {
    return in.offset();
  }

  /** Devices of the header (after {@link #header()}). */
  public int deviceCount() {
    if (devices < 0) {
      throw new IllegalStateException("read the header() first");
    }
    return devices;
  }
}
