package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes the forward stream (source to destination): {@link #header} once, then device sections,
 * then {@link #trailer()} (or {@link #abort}). See {@code docs/wire-format.md}.
 *
 * <p>Payloads go straight from the caller's segment to the channel; record fields are built in one
 * scratch array; nothing is allocated per record. The writer counts the section records and payload
 * bytes for the trailer and keeps the stream CRC32C. It is not thread-safe. After an IOException
 * the stream is broken and only {@link Channel#close()} is left.
 */
public final class WireWriter {
  private static final int SCRATCH = 32;

  private final Channel channel;
  private final byte[] scratch = new byte[SCRATCH];
  private final ByteBuffer fields = ByteBuffer.wrap(scratch);
  private final MemorySegment[] views = new MemorySegment[SCRATCH + 1];
  private final CRC32C streamCrc = new CRC32C();
  private final CRC32C payloadCrc = new CRC32C();

  private int devices = -1;
  private long ramBytes;
  private boolean finished;
  private boolean trailerWritten;
  private boolean decided;
  private boolean committed;
  private long records;
  private long payloadBytes;

  public WireWriter(Channel channel) {
    this.channel = Objects.requireNonNull(channel, "channel");
    MemorySegment all = MemorySegment.ofArray(scratch);
    for (int n = 0; n <= SCRATCH; n++) {
      views[n] = all.asSlice(0, n);
    }
  }

  /**
   * Writes the session header, echoing the receiver's session nonce (from its HELLO). Devices must
   * be numbered 0..n-1 in list order.
   *
   * @throws IllegalArgumentException when the indices are not 0..n-1, there are too many devices or
   *     the nonce has not {@value WireFormat#NONCE_BYTES} bytes
   */
  public void header(byte[] nonce, List<DeviceIdentity> identities) throws IOException {
    header(nonce, identities, 0);
  }

  /**
   * The session header of a VM with {@code guestRamBytes} of guest RAM (0: none, only devices), a
   * multiple of {@value WireFormat#RAM_PAGE_BYTES}.
   */
  public void header(byte[] nonce, List<DeviceIdentity> identities, long guestRamBytes)
      throws IOException {
    if (guestRamBytes < 0 || guestRamBytes % WireFormat.RAM_PAGE_BYTES != 0) {
      throw new IllegalArgumentException(
          "guest RAM of " + guestRamBytes + " bytes is not whole pages");
    }
    if (devices >= 0) {
      throw new IllegalStateException("the session header was already written");
    }
    if (nonce.length != WireFormat.NONCE_BYTES) {
      throw new IllegalArgumentException(
          "a session nonce has " + WireFormat.NONCE_BYTES + " bytes, not " + nonce.length);
    }
    if (identities.size() > WireFormat.MAX_DEVICES) {
      throw new IllegalArgumentException(
          identities.size() + " devices is more than " + WireFormat.MAX_DEVICES);
    }
    int size = WireFormat.HEADER_FIXED_BYTES + 8 + 4;
    for (int i = 0; i < identities.size(); i++) {
      DeviceIdentity id = identities.get(i);
      if (id.index() != i) {
        throw new IllegalArgumentException(
            "device at position " + i + " has index " + id.index() + "; indices must be 0..n-1");
      }
      size += id.wireSize();
    }
    ByteBuffer h = ByteBuffer.allocate(size);
    h.put(WireFormat.MAGIC_BYTES).putInt(WireFormat.VERSION).put(nonce).putInt(identities.size());
    for (DeviceIdentity id : identities) {
      byte[] bdf = id.bdf().getBytes(StandardCharsets.US_ASCII);
      byte[] model = id.model().getBytes(StandardCharsets.UTF_8);
      h.putShort((short) id.index());
      h.putShort((short) bdf.length).put(bdf);
      h.putShort((short) model.length).put(model);
      h.putShort((short) id.vendor()).putShort((short) id.device()).putLong(id.migrationFlags());
    }
    h.putLong(guestRamBytes);
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, h.position());
    h.putInt((int) crc.getValue());
    channel.write(MemorySegment.ofArray(h.array()));
    devices = identities.size();
    ramBytes = guestRamBytes;
  }

  /**
   * A RAM_PAGES record: {@code pages} (whole pages, at most {@value WireFormat#MAX_RAM_PAGES}) of
   * guest RAM at guest address {@code address}.
   */
  public void ramPages(long address, MemorySegment pages) throws IOException {
    long n = checkRam(address, pages.byteSize() / WireFormat.RAM_PAGE_BYTES);
    if (pages.byteSize() % WireFormat.RAM_PAGE_BYTES != 0 || n > WireFormat.MAX_RAM_PAGES) {
      throw new IllegalArgumentException(
          "a RAM_PAGES record carries 1-"
              + WireFormat.MAX_RAM_PAGES
              + " whole pages, not "
              + pages.byteSize()
              + " bytes");
    }
    fields.clear();
    fields.put((byte) WireFormat.KIND_RAM_PAGES).putLong(address).putInt((int) n);
    emitFields();
    int crc = Checksums.sendWithCrc32c(channel, payloadCrc, pages);
    fields.clear();
    fields.putInt(crc);
    emitFields();
    records++;
    payloadBytes += pages.byteSize();
  }

  /**
   * A RAM_ZERO record: {@code pages} all-zero pages of guest RAM from guest address {@code
   * address}.
   */
  public void ramZero(long address, long pages) throws IOException {
    checkRam(address, pages);
    if (pages > 0xffffffffL) {
      throw new IllegalArgumentException("a RAM_ZERO record covers at most 2^32-1 pages");
    }
    fields.clear();
    fields.put((byte) WireFormat.KIND_RAM_ZERO).putLong(address).putInt((int) pages);
    emitFields();
    records++;
  }

  private long checkRam(long address, long pages) {
    checkOpen();
    if (pages <= 0
        || address < 0
        || address % WireFormat.RAM_PAGE_BYTES != 0
        || address + pages * WireFormat.RAM_PAGE_BYTES > ramBytes) {
      throw new IllegalArgumentException(
          pages
              + " pages at guest address "
              + address
              + " are not inside the header's "
              + ramBytes
              + " bytes of guest RAM");
    }
    return pages;
  }

  /** A SETUP_STATE section marker for {@code device}. */
  public void setup(int device) throws IOException {
    section(device, Marker.SETUP_STATE);
  }

  /** An END_OF_STATE section marker for {@code device}. */
  public void endOfState(int device) throws IOException {
    section(device, Marker.END_OF_STATE);
  }

  /** An INIT_DATA_SENT section marker for {@code device} (switchover-ack). */
  public void initDataSent(int device) throws IOException {
    section(device, Marker.INIT_DATA_SENT);
  }

  /**
   * A STOP_COPY_STATE section marker for {@code device}: its DATA_STATE records from here to its
   * next END_OF_STATE are stop-copy data.
   */
  public void stopCopy(int device) throws IOException {
    section(device, Marker.STOP_COPY_STATE);
  }

  /** A DATA_STATE record carrying all of {@code bytes} (possibly none). */
  public void data(int device, MemorySegment bytes) throws IOException {
    payload(device, Marker.DATA_STATE, bytes);
  }

  /** A CONFIG_STATE record carrying all of {@code bytes}. */
  public void config(int device, MemorySegment bytes) throws IOException {
    payload(device, Marker.CONFIG_STATE, bytes);
  }

  /** Writes the trailer and flushes; the stream is then finished. */
  public void trailer() throws IOException {
    checkOpen();
    fields.clear();
    fields.put((byte) WireFormat.KIND_TRAILER).putLong(records).putLong(payloadBytes);
    streamCrc.update(scratch, 0, fields.position());
    fields.putInt((int) streamCrc.getValue());
    finished = true;
    trailerWritten = true;
    channel.write(views[fields.position()]);
    channel.flush();
  }

  /**
   * After the trailer: the source's decision that the destination may run the devices (a COMMIT
   * record), flushed. The one alternative is {@link #abort}.
   */
  public void commit() throws IOException {
    if (!trailerWritten || decided) {
      throw new IllegalStateException(
          trailerWritten ? "the decision was already sent" : "commit() comes after the trailer");
    }
    decided = true;
    committed = true;
    channel.write(MemorySegment.ofArray(new byte[] {(byte) WireFormat.KIND_COMMIT}));
    channel.flush();
  }

  /**
   * After a commit and the destination's confirmation: the downtime this source measured and its
   * limit, so that the destination reports the same numbers. Flushed.
   */
  public void outcome(long downtimeNanos, long limitNanos) throws IOException {
    if (!decided || !committed) {
      throw new IllegalStateException("outcome() follows a commit()");
    }
    fields.clear();
    fields.put((byte) WireFormat.KIND_OUTCOME).putLong(downtimeNanos).putLong(limitNanos);
    CRC32C crc = new CRC32C();
    crc.update(scratch, 0, fields.position());
    fields.putInt((int) crc.getValue());
    channel.write(views[fields.position()]);
    channel.flush();
  }

  /**
   * Ends the stream with an ABORT record and flushes: before the trailer (none follows), or after
   * it in place of {@link #commit}. A reason longer than {@value WireFormat#MAX_STRING_BYTES} UTF-8
   * bytes is cut at a character boundary.
   */
  public void abort(String reason) throws IOException {
    if (decided || (finished && !trailerWritten)) {
      throw new IllegalStateException(
          "the stream is finished (a decision or an abort was written)");
    }
    decided = true;
    byte[] text = Text.utf8Truncated(reason, WireFormat.MAX_STRING_BYTES);
    ByteBuffer b = ByteBuffer.allocate(1 + 2 + text.length);
    b.put((byte) WireFormat.KIND_ABORT).putShort((short) text.length).put(text);
    finished = true;
    channel.write(MemorySegment.ofArray(b.array()));
    channel.flush();
  }

  /** Pushes what was written to the peer. */
  public void flush() throws IOException {
    channel.flush();
  }

  /** Records counted by the trailer (sections and RAM records) written so far. */
  public long records() {
    return records;
  }

  /** Payload bytes (DATA, CONFIG and RAM pages) written so far. */
  public long payloadBytes() {
    return payloadBytes;
  }

  private void section(int device, Marker marker) throws IOException {
    checkDevice(device);
    fields.clear();
    fields.put((byte) WireFormat.KIND_SECTION).putShort((short) device).putLong(marker.value());
    emitFields();
    records++;
  }

  private void payload(int device, Marker marker, MemorySegment bytes) throws IOException {
    checkDevice(device);
    long size = bytes.byteSize();
    fields.clear();
    fields
        .put((byte) WireFormat.KIND_SECTION)
        .putShort((short) device)
        .putLong(marker.value())
        .putLong(size);
    emitFields();
    int crc = Checksums.sendWithCrc32c(channel, payloadCrc, bytes);
    fields.clear();
    fields.putInt(crc);
    emitFields();
    records++;
    payloadBytes += size;
  }

  /** Writes scratch[0, position) and adds it to the stream CRC. */
  private void emitFields() throws IOException {
    int n = fields.position();
    streamCrc.update(scratch, 0, n);
    channel.write(views[n]);
  }

  private void checkDevice(int device) {
    checkOpen();
    if (device < 0 || device >= devices) {
      throw new IllegalArgumentException(
          "device index " + device + " is not in the header's 0.." + (devices - 1));
    }
  }

  private void checkOpen() {
    if (devices < 0) {
      throw new IllegalStateException("header() must be written first");
    }
    if (finished) {
      throw new IllegalStateException("the stream is finished (trailer or abort was written)");
    }
  }
}
