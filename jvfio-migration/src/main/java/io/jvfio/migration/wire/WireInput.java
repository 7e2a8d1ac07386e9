package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads big-endian fields from a channel, counting the offset and (optionally) feeding every field
 * byte to a CRC. Fixed-size fields go through one scratch array, so reading allocates nothing.
 */
final class WireInput {
  private static final int SCRATCH = 16;

  private final Channel channel;
  private final byte[] scratch = new byte[SCRATCH];
  private final ByteBuffer fields = ByteBuffer.wrap(scratch);
  private final MemorySegment[] views = new MemorySegment[SCRATCH + 1];
  private final String stream;
  private long offset;
  private CRC32C crc;
  private long unitTimeout;
  private long unitDeadline;

  /** {@code stream} names the direction in messages ("stream", "back channel"). */
  WireInput(Channel channel, String stream) {
    this.channel = channel;
    this.stream = stream;
    MemorySegment all = MemorySegment.ofArray(scratch);
    for (int n = 0; n <= SCRATCH; n++) {
      views[n] = all.asSlice(0, n);
    }
  }

  /** Bytes consumed so far. */
  long offset() {
    return offset;
  }

  /**
   * Each unit (a record, a message, a payload window) must arrive within {@code nanos} of {@link
   * #begin()} (zero: no limit): a peer that trickles bytes cannot stretch one forever.
   */
  void unitTimeout(long nanos) {
    unitTimeout = nanos;
  }

  /** A new unit starts: its bytes must all arrive within the unit timeout from now. */
  void begin() {
    if (unitTimeout > 0) {
      long d = System.nanoTime() + unitTimeout;
      unitDeadline = d == 0 ? 1 : d;
    }
  }

  /** From now on, field bytes are added to {@code c} (null: to none). Payloads never are. */
  void crcInto(CRC32C c) {
    this.crc = c;
  }

  int u8(String what) throws IOException {
    fill(1, what);
    return scratch[0] & 0xff;
  }

  int u16(String what) throws IOException {
    fill(2, what);
    return fields.getShort(0) & 0xffff;
  }

  long u32(String what) throws IOException {
    fill(4, what);
    return fields.getInt(0) & 0xffffffffL;
  }

  long u64(String what) throws IOException {
    fill(8, what);
    return fields.getLong(0);
  }

  /** {@code n} bytes into a new array (for strings; they are short and not on the data path). */
  byte[] bytes(int n, String what) throws IOException {
    byte[] b = new byte[n];
    read(MemorySegment.ofArray(b), what);
    if (crc != null) {
      crc.update(b);
    }
    offset += n;
    return b;
  }

  /** Reads {@code dst.byteSize()} payload bytes; they are not added to the CRC. */
  void payload(MemorySegment dst, String what) throws IOException {
    read(dst, what);
    offset += dst.byteSize();
  }

  private void fill(int n, String what) throws IOException {
    read(views[n], what);
    if (crc != null) {
      crc.update(scratch, 0, n);
    }
    offset += n;
  }

  private void read(MemorySegment dst, String what) throws IOException {
    try {
      channel.readFully(dst, unitDeadline);
    } catch (EOFException e) {
      EOFException t =
          new EOFException(
              "the "
                  + stream
                  + " ended inside "
                  + what
                  + " at offset "
                  + offset
                  + " ("
                  + channel.describe()
                  + ")");
      t.initCause(e);
      throw t;
    } catch (SocketTimeoutException e) {
      boolean wholeUnitLate = unitDeadline != 0 && unitDeadline - System.nanoTime() <= 0;
      SocketTimeoutException t =
          new SocketTimeoutException(
              "the "
                  + stream
                  + " stalled inside "
                  + what
                  + " at offset "
                  + offset
                  + ": "
                  + (wholeUnitLate
                      ? "each record must arrive whole within " + unitTimeout / 1_000_000 + " ms; "
                      : "")
                  + e.getMessage());
      t.initCause(e);
      throw t;
    }
  }
}
