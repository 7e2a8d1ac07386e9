package io.jvfio.devices.mtty;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The mtty migration image: Linux streams the raw memory of its {@code struct mtty_data}, which on
 * x86-64 is a 24-byte little-endian header followed by one 36-byte {@link SerialPort} record per
 * port.
 *
 * <pre>
 *  0  u64 magic 0x7e9d09898c3e2c4e    16 u32 number of ports (1 or 2)
 *  8  u32 major version 1             20 u32 flags, 0
 *  12 u32 minor version 0             24 ports
 * </pre>
 */
public final class MttyImage {
  public static final long MAGIC = 0x7e9d09898c3e2c4eL;
  public static final int MAJOR = 1;
  public static final int MINOR = 0;

  /** Bytes before the first port record; also all a PRE_COPY session offers. */
  public static final int HEADER_SIZE = 24;

  static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private MttyImage() {}

  /** The full image size: 60 for one port, 96 for two. */
  public static int size(int ports) {
    return HEADER_SIZE + ports * SerialPort.RECORD_SIZE;
  }

  /** Offset of port {@code index}'s record. */
  public static int portOffset(int index) {
    return HEADER_SIZE + index * SerialPort.RECORD_SIZE;
  }

  /** Writes the header a device with {@code ports} ports sends. */
  static void writeHeader(byte[] image, int ports) {
    MemorySegment s = MemorySegment.ofArray(image);
    s.set(U64, 0, MAGIC);
    s.set(U32, 8, MAJOR);
    s.set(U32, 12, MINOR);
    s.set(U32, 16, ports);
    s.set(U32, 20, 0);
  }

  /** Whether the first 24 bytes are a header this device (with {@code ports} ports) accepts. */
  static boolean headerAccepted(byte[] image, int ports) {
    MemorySegment s = MemorySegment.ofArray(image);
    return s.get(U64, 0) == MAGIC
        && s.get(U32, 20) == 0
        && s.get(U32, 8) == MAJOR
        && s.get(U32, 12) == MINOR
        && s.get(U32, 16) == ports;
  }
}
