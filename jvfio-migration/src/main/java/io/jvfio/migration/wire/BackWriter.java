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

/**
 * Writes the back channel (destination to source). Each message is written whole and flushed at
 * once: they are few and the source waits for them. Thread-safe (messages never interleave).
 */
public final class BackWriter {
  private final Channel channel;
  private final int deviceCount;

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

  /** SWITCHOVER_ACK: the destination loaded the initial data of {@code device}. */
  public synchronized void switchoverAck(int device) throws IOException {
    checkDevice(device);
    ByteBuffer b = ByteBuffer.allocate(3);
    b.put((byte) WireFormat.KIND_SWITCHOVER_ACK).putShort((short) device);
    send(b);
  }

  /**
   * RESULT: the verdict, a message for people (cut to {@value WireFormat#MAX_STRING_BYTES} UTF-8
   * bytes at a character boundary) and the digest of each device that has one, in index order.
   *
   * @throws IllegalArgumentException for a bad device index or a digest longer than {@value
   *     WireFormat#MAX_STRING_BYTES} UTF-8 bytes
   */
  public synchronized void result(boolean ok, String message, Map<Integer, String> digests)
      throws IOException {
    byte[] text = Text.utf8Truncated(message, WireFormat.MAX_STRING_BYTES);
    List<byte[]> encoded = new ArrayList<>();
    int size = 1 + 1 + 2 + text.length + 2;
    for (Map.Entry<Integer, String> e : new TreeMap<>(digests).entrySet()) {
      checkDevice(e.getKey());
      byte[] d = Text.utf8(Objects.requireNonNull(e.getValue(), "digest"), "digest");
      if (d.length > WireFormat.MAX_STRING_BYTES) {
        throw new IllegalArgumentException(
            "digest of device " + e.getKey() + " is " + d.length + " bytes of UTF-8, too long");
      }
      encoded.add(d);
      size += 2 + 2 + d.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put((byte) WireFormat.KIND_RESULT).put((byte) (ok ? 1 : 0));
    b.putShort((short) text.length).put(text);
    b.putShort((short) encoded.size());
    int i = 0;
    for (int device : new TreeMap<>(digests).keySet()) {
      byte[] d = encoded.get(i++);
      b.putShort((short) device).putShort((short) d.length).put(d);
    }
    send(b);
  }

  /** ABORT: the destination gives up; the reason is cut like a result's message. */
  public synchronized void abort(String reason) throws IOException {
    byte[] text = Text.utf8Truncated(reason, WireFormat.MAX_STRING_BYTES);
    ByteBuffer b = ByteBuffer.allocate(1 + 2 + text.length);
    b.put((byte) WireFormat.KIND_ABORT).putShort((short) text.length).put(text);
    send(b);
  }

  /** Pushes written bytes to the peer (every message is already flushed; this is for symmetry). */
  public void flush() throws IOException {
    channel.flush();
  }

  private void send(ByteBuffer b) throws IOException {
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
