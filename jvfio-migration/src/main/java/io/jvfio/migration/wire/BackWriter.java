package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Writes the back channel (destination to source). Each message ends with a CRC32C of its bytes and
 * is written whole and flushed at once: they are few and the source waits for them. Thread-safe
 * (messages never interleave; a keep-alive thread may write beside the engine).
 */
public final class BackWriter {
  private final Channel channel;
  private final int deviceCount;
  private final CRC32C crc = new CRC32C();

  /** A writer that checks device indices only against the u16 range. */
  public BackWriter(Channel channel) {
    this(channel, 0x10000);
  }

  /** A writer that refuses device indices not below {@code deviceCount}. */
  public BackWriter(Channel channel, int deviceCount) {
    this.channel = Objects.requireNonNull(channel, "channel");
    if (deviceCount < 0 || deviceCount > 0x10000) {
      throw new IllegalArgumentException("device count " + deviceCount + " out of range");
    }
    this.deviceCount = deviceCount;
  }

  /** HELLO: this receiver's wire version and a fresh session nonce. */
  public synchronized void hello(byte[] nonce) throws IOException {
    if (nonce.length != WireFormat.NONCE_BYTES) {
      throw new IllegalArgumentException(
          "a session nonce has " + WireFormat.NONCE_BYTES + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + nonce.length + 4);
    b.put((byte) WireFormat.KIND_HELLO).putInt(WireFormat.VERSION).put(nonce);
    send(b);
  }

  /** ACCEPT: the session header matches this receiver's devices; the sender may start. */
  public synchronized void accept() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1 + 4);
    b.put((byte) WireFormat.KIND_ACCEPT);
    send(b);
  }

  /** KEEPALIVE: nothing to report yet. */
  public synchronized void keepAlive() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1 + 4);
    b.put((byte) WireFormat.KIND_KEEPALIVE);
    send(b);
  }

  /** SWITCHOVER_ACK: the destination loaded the initial data of {@code device}. */
  public synchronized void switchoverAck(int device) throws IOException {
    checkDevice(device);
    ByteBuffer b = ByteBuffer.allocate(3 + 4);
    b.put((byte) WireFormat.KIND_SWITCHOVER_ACK).putShort((short) device);
    send(b);
  }

  /** RESULT without a duration; see {@link #result(boolean, String, long, Map)}. */
  public void result(boolean ok, String message, Map<Integer, String> digests) throws IOException {
    result(ok, message, 0, digests);
  }

  /**
   * RESULT: the verdict, a message for people (cut to {@value WireFormat#MAX_STRING_BYTES} UTF-8
   * bytes at a character boundary), a duration in nanoseconds (for the running result: from the
   * commit until every device ran) and the digest of each device that has one, in index order.
   *
   * @throws IllegalArgumentException for a bad device index or a digest longer than {@value
   *     WireFormat#MAX_STRING_BYTES} UTF-8 bytes
   */
  public synchronized void result(
      boolean ok, String message, long nanos, Map<Integer, String> digests) throws IOException {
    byte[] text = Text.utf8Truncated(message, WireFormat.MAX_STRING_BYTES);
    List<byte[]> encoded = new ArrayList<>();
    int size = 1 + 1 + 2 + text.length + 8 + 2;
    Map<Integer, String> sorted = new TreeMap<>(digests);
    for (Map.Entry<Integer, String> e : sorted.entrySet()) {
      checkDevice(e.getKey());
      byte[] d = Text.utf8(Objects.requireNonNull(e.getValue(), "digest"), "digest");
      if (d.length > WireFormat.MAX_STRING_BYTES) {
        throw new IllegalArgumentException(
            "digest of device " + e.getKey() + " is " + d.length + " bytes of UTF-8, too long");
      }
      encoded.add(d);
      size += 2 + 2 + d.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size + 4);
    b.put((byte) WireFormat.KIND_RESULT).put((byte) (ok ? 1 : 0));
    b.putShort((short) text.length).put(text);
    b.putLong(nanos);
    b.putShort((short) encoded.size());
    int i = 0;
    for (int device : sorted.keySet()) {
      byte[] d = encoded.get(i++);
      b.putShort((short) device).putShort((short) d.length).put(d);
    }
    send(b);
  }

  /** ABORT: the destination gives up (or refuses); the reason is cut like a result's message. */
  public synchronized void abort(String reason) throws IOException {
    byte[] text = Text.utf8Truncated(reason, WireFormat.MAX_STRING_BYTES);
    ByteBuffer b = ByteBuffer.allocate(1 + 2 + text.length + 4);
    b.put((byte) WireFormat.KIND_ABORT).putShort((short) text.length).put(text);
    send(b);
  }

  /** Pushes written bytes to the peer (every message is already flushed; this is for symmetry). */
  public void flush() throws IOException {
    channel.flush();
  }

  /** Appends the CRC32C of the message (all but the last 4 bytes) and sends it. */
  private void send(ByteBuffer b) throws IOException {
    crc.reset();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    channel.write(MemorySegment.ofArray(b.array()));
    channel.flush();
  }

  private void checkDevice(int device) {
    if (device < 0 || device >= deviceCount) {
      throw new IllegalArgumentException(
          "device index " + device + " is not in 0.." + (deviceCount - 1));
    }
  }
}
