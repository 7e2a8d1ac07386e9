package io.jvfio.migration.wire;

import io.jvfio.migration.transport.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Reads and checks the back channel (destination to source). Every message ends with a CRC32C of
 * its bytes. Malformed bytes end in a {@link WireFormatException} naming the field and its offset
 * in the back channel; an early end in an {@link java.io.EOFException}. With {@link
 * #setMessageTimeout}, each message must arrive whole within that time of the reader starting to
 * wait for it. Not thread-safe.
 */
public final class BackReader {
  private final WireInput in;
  private final int deviceCount;
  private final CRC32C crc = new CRC32C();

  /** A reader that checks device indices only against the u16 range. */
  public BackReader(Channel channel) {
    this(channel, 0x10000);
  }

  /** A reader that refuses device indices not below {@code deviceCount} (the header's count). */
  public BackReader(Channel channel, int deviceCount) {
    Objects.requireNonNull(channel, "channel");
    if (deviceCount < 0 || deviceCount > 0x10000) {
      throw new IllegalArgumentException("device count " + deviceCount + " out of range");
    }
    this.in = new WireInput(channel, "back channel");
    this.deviceCount = deviceCount;
  }

  /** Each message must arrive whole within {@code timeout} of the wait for it (zero: no limit). */
  public void setMessageTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("message timeout must not be negative: " + timeout);
    }
    in.unitTimeout(timeout.toNanos());
  }

  /** Reads the next message. */
  public BackMessage next() throws IOException {
    in.begin();
    long at = in.offset();
    crc.reset();
    in.crcInto(crc);
    int kind = in.u8("the kind byte of the next back-channel message");
    BackMessage m =
        switch (kind) {
          case WireFormat.KIND_HELLO -> hello();
          case WireFormat.KIND_ACCEPT -> new BackMessage.Accept();
          case WireFormat.KIND_KEEPALIVE -> new BackMessage.KeepAlive();
          case WireFormat.KIND_SWITCHOVER_ACK ->
              new BackMessage.SwitchoverAck(device("a SWITCHOVER_ACK"));
          case WireFormat.KIND_RESULT -> result();
          case WireFormat.KIND_ABORT -> new BackMessage.Abort(string("the reason of an ABORT"));
          default ->
              throw new WireFormatException(
                  String.format(
                      "unknown back-channel message kind 0x%02x (expected 0x%02x hello, 0x%02x"
                          + " accept, 0x%02x keep-alive, 0x%02x switchover-ack, 0x%02x result or"
                          + " 0x%02x abort)",
                      kind,
                      WireFormat.KIND_HELLO,
                      WireFormat.KIND_ACCEPT,
                      WireFormat.KIND_KEEPALIVE,
                      WireFormat.KIND_SWITCHOVER_ACK,
                      WireFormat.KIND_RESULT,
                      WireFormat.KIND_ABORT),
                  at);
        };
    int computed = (int) crc.getValue();
    in.crcInto(null);
    long crcAt = in.offset();
    int stored = (int) in.u32("the CRC32C of a back-channel message");
    if (stored != computed) {
      throw new WireFormatException(
          String.format(
              "back-channel CRC32C mismatch: the message at offset %d says 0x%08x, its bytes give"
                  + " 0x%08x",
              at, stored, computed),
          crcAt);
    }
    return m;
  }

  /** Bytes read so far. */
  public long offset() {
    return in.offset();
  }

  private BackMessage hello() throws IOException {
    long version = in.u32("the version of a HELLO");
    byte[] nonce = in.bytes(WireFormat.NONCE_BYTES, "the nonce of a HELLO");
    return new BackMessage.Hello(version, nonce);
  }

  private BackMessage result() throws IOException {
    long at = in.offset();
    int flag = in.u8("the ok flag of a RESULT");
    if (flag > 1) {
      throw new WireFormatException("the ok flag of a RESULT is " + flag + ", not 0 or 1", at);
    }
    String message = string("the message of a RESULT");
    long nanos = in.u64("the duration of a RESULT");
    at = in.offset();
    int count = in.u16("the digest count of a RESULT");
    if (count > deviceCount) {
      throw new WireFormatException(
          "a RESULT with " + count + " digests for " + deviceCount + " devices", at);
    }
    Map<Integer, String> digests = new HashMap<>();
    for (int i = 0; i < count; i++) {
      at = in.offset();
      int device = device("a RESULT digest entry");
      String digest = string("a RESULT digest");
      if (digests.put(device, digest) != null) {
        throw new WireFormatException("a RESULT lists device " + device + " twice", at);
      }
    }
    return new BackMessage.Result(flag == 1, message, nanos, digests);
  }

  private int device(String what) throws IOException {
    long at = in.offset();
    int device = in.u16("the device index of " + what);
    if (device >= deviceCount) {
      throw new WireFormatException(
          "device index " + device + " of " + what + " is out of range 0.." + (deviceCount - 1),
          at);
    }
    return device;
  }

  private String string(String what) throws IOException {
    int length = in.u16("the length of " + what);
    long at = in.offset();
    String s = Text.decodeUtf8(in.bytes(length, what));
    if (s == null) {
      throw new WireFormatException(what + " is not valid UTF-8", at);
    }
    return s;
  }
}
