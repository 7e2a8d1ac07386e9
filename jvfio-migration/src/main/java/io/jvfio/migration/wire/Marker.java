package io.jvfio.migration.wire;

/**
 * The u64 that follows a device section's index, with QEMU's values ({@code VFIO_MIG_FLAG_*} of
 * hw/vfio/migration.c): "ffffffff", the magic {@code ef10}, then a 16-bit flag. jvfio's own markers
 * take flags from 0x0100 up, clear of QEMU's small numbers.
 */
public enum Marker {
  /** Ends a device's section. */
  END_OF_STATE(0xffffffffef100001L, false),
  /** The device's config state follows as a payload. */
  CONFIG_STATE(0xffffffffef100002L, true),
  /** Opens a device's setup section. */
  SETUP_STATE(0xffffffffef100003L, false),
  /** A chunk of the device's data-fd stream follows as a payload. */
  DATA_STATE(0xffffffffef100004L, true),
  /** All of the device's initial (precopy) bytes were sent: switchover-ack may follow. */
  INIT_DATA_SENT(0xffffffffef100005L, false),
  /**
   * jvfio's own (version 3): the device stopped; its DATA_STATE records from here to its next
   * END_OF_STATE are stop-copy data, the ones before were precopy data.
   */
  STOP_COPY_STATE(0xffffffffef100101L, false);

  private final long value;
  private final boolean payload;

  Marker(long value, boolean payload) {
    this.value = value;
    this.payload = payload;
  }

  /** The value on the wire. */
  public long value() {
    return value;
  }

  /** Whether a u64 size, the bytes and their CRC32C follow the marker. */
  public boolean hasPayload() {
    return payload;
  }

  /** The marker with this wire value, or null. */
  public static Marker fromValue(long value) {
    if ((value & ~0xffffL) != 0xffffffffef100000L) {
      return null;
    }
    return switch ((int) (value & 0xffff)) {
      case 0x0001 -> END_OF_STATE;
      case 0x0002 -> CONFIG_STATE;
      case 0x0003 -> SETUP_STATE;
      case 0x0004 -> DATA_STATE;
      case 0x0005 -> INIT_DATA_SENT;
      case 0x0101 -> STOP_COPY_STATE;
      default -> null;
    };
  }
}
