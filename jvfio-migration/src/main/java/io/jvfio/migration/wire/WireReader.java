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
 * <p>Payloads land in one native buffer that grows when a record needs more (never beyond {@code
 * maxPayload}) and is reused: a {@link Record.Data} or {@link Record.Config} payload is a view
 * valid until the next call. Not thread-safe.
 */
public final class WireReader {
  private final WireInput in;
  private final long maxPayload;
  private final CRC32C streamCrc = new CRC32C();
  private final CRC32C payloadCrc = new CRC32C();

  private int devices = -1;
  private boolean finished;
  private boolean trailerRead;
  private long records;
  private long payloadBytes;
  private long firstRecordOffset;

  private MemorySegment buffer = MemorySegment.ofArray(new byte[0]);
  private ByteBuffer bufferView = ByteBuffer.allocate(0);
  private MemorySegment lastView = buffer;

  /**
   * @param maxPayload the largest DATA or CONFIG payload accepted (and so the most this reader ever
   *     allocates for one); QEMU sends 1 MiB data chunks
   */
  public WireReader(Channel channel, long maxPayload) {
    Objects.requireNonNull(channel, "channel");
    if (maxPayload < 0) {
      throw new IllegalArgumentException("maxPayload must not be negative: " + maxPayload);
    }
    this.in = new WireInput(channel, "stream");
    this.maxPayload = maxPayload;
  }

  /** Reads and checks the session header. */
  public List<DeviceIdentity> header() throws IOException {
    if (devices >= 0) {
      throw new IllegalStateException("the session header was already read");
    }
    CRC32C headerCrc = new CRC32C();
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
      throw new WireFormatException(
          "unsupported version "
              + version
              + " (this reader speaks version "
              + WireFormat.VERSION
              + ")",
          8);
    }
    long count = in.u32("the device count");
    if (count > WireFormat.MAX_DEVICES) {
      throw new WireFormatException(
          "device count " + count + " is more than the limit of " + WireFormat.MAX_DEVICES, 12);
    }
    List<DeviceIdentity> ids = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      ids.add(identity(i));
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
   * After the trailer: the source's decision. Empty means COMMIT (the devices may run); a reason
   * means the source aborted.
   */
  public java.util.Optional<String> decision() throws IOException {
    if (!trailerRead) {
      throw new IllegalStateException("the decision follows the trailer");
    }
    long at = in.offset();
    int kind = in.u8("the source's decision after the trailer");
    return switch (kind) {
      case WireFormat.KIND_COMMIT -> java.util.Optional.empty();
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
   * Reads the next record.
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
    long at = in.offset();
    int kind = in.u8("the kind byte of the next record (no trailer yet)");
    return switch (kind) {
      case WireFormat.KIND_SECTION -> section();
      case WireFormat.KIND_TRAILER -> trailer();
      case WireFormat.KIND_ABORT -> abort();
      default ->
          throw new WireFormatException(
              String.format(
                  "unknown record kind 0x%02x (expected 0x%02x section, 0x%02x trailer or 0x%02x"
                      + " abort)",
                  kind, WireFormat.KIND_SECTION, WireFormat.KIND_TRAILER, WireFormat.KIND_ABORT),
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
    long payloadAt = in.offset();
    MemorySegment view = view(size);
    in.payload(view, "the payload of a section record");
    int computed = crc(view);
    at = in.offset();
    int stored = (int) in.u32("the payload CRC32C of a section record");
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "payload CRC32C mismatch in the %s record for device %d: the record says 0x%08x, its"
                  + " %d bytes at offset %d give 0x%08x",
              marker, device, stored, size, payloadAt, computed),
          at);
    }
    payloadBytes += size;
    return marker == Marker.DATA_STATE
        ? new Record.Data(device, view)
        : new Record.Config(device, view);
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

  /** A view of {@code size} bytes of the reusable buffer, growing it when needed. */
  private MemorySegment view(long size) {
    if (size == lastView.byteSize()) {
      return lastView;
    }
    if (size > buffer.byteSize()) {
      long grown = Math.max(size, Math.min(maxPayload, Math.max(64 * 1024, buffer.byteSize() * 2)));
      buffer = Arena.ofAuto().allocate(grown, 64);
      bufferView = grown <= Integer.MAX_VALUE ? buffer.asByteBuffer() : null;
    }
    lastView = buffer.asSlice(0, size);
    return lastView;
  }

  private int crc(MemorySegment view) {
    if (bufferView == null) {
      return Checksums.crc32c(payloadCrc, view);
    }
    payloadCrc.reset();
    bufferView.clear().limit((int) view.byteSize());
    payloadCrc.update(bufferView);
    return (int) payloadCrc.getValue();
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
