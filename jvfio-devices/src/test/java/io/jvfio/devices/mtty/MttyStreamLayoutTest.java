package io.jvfio.devices.mtty;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.PathElement.sequenceElement;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mtty stream against the C structs Linux 6.12's {@code samples/vfio-mdev/mtty.c} copies into
 * it ({@code struct mtty_data} and {@code struct serial_port}, x86-64 natural alignment), written
 * down here as layouts with their padding, independently of {@link MttyImage} and {@link
 * SerialPort}: a stream built field by field from these layouts must be the bytes jvfio's mtty
 * saves, and its length {@code offsetof(struct mtty_data, ports) + nr_ports * sizeof(struct
 * serial_port)}, Linux's {@code mtty_data_size}.
 */
class MttyStreamLayoutTest {
  static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
  static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** {@code struct rxtx { u8 fifo[16]; u8 head, tail; u8 count; }} */
  static final StructLayout RXTX =
      MemoryLayout.structLayout(
          MemoryLayout.sequenceLayout(16, U8).withName("fifo"),
          U8.withName("head"),
          U8.withName("tail"),
          U8.withName("count"));

  /**
   * {@code struct serial_port { u8 uart_reg[8]; struct rxtx rxtx; bool dlab; bool overrun; u16
   * divisor; u8 fcr; u8 max_fifo_size; u8 intr_trigger_level; }}: a padding byte before the u16,
   * and one at the end (the struct's alignment is 2).
   */
  static final StructLayout SERIAL_PORT =
      MemoryLayout.structLayout(
          MemoryLayout.sequenceLayout(8, U8).withName("uart_reg"),
          RXTX.withName("rxtx"),
          U8.withName("dlab"),
          U8.withName("overrun"),
          MemoryLayout.paddingLayout(1),
          U16.withName("divisor"),
          U8.withName("fcr"),
          U8.withName("max_fifo_size"),
          U8.withName("intr_trigger_level"),
          MemoryLayout.paddingLayout(1));

  /** {@code struct mtty_data { u64 magic; u32 major_ver, minor_ver, nr_ports, flags; ports[2] }} */
  static final StructLayout MTTY_DATA =
      MemoryLayout.structLayout(
          U64.withName("magic"),
          U32.withName("major_ver"),
          U32.withName("minor_ver"),
          U32.withName("nr_ports"),
          U32.withName("flags"),
          MemoryLayout.sequenceLayout(2, SERIAL_PORT).withName("ports"));

  static long port(int i, String field) {
    return MTTY_DATA.byteOffset(groupElement("ports"), sequenceElement(i), groupElement(field));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void aStreamBuiltFromTheCStructsIsWhatJvfioSaves(int ports) {
    assertThat(SERIAL_PORT.byteSize()).isEqualTo(SerialPort.RECORD_SIZE).isEqualTo(36);
    long header = MTTY_DATA.byteOffset(groupElement("ports"));
    assertThat(header).isEqualTo(MttyImage.HEADER_SIZE).isEqualTo(24);
    assertThat(MttyImage.size(ports)).isEqualTo(header + ports * SERIAL_PORT.byteSize());

    // a guest's work on each port: registers, the divisor latch, bytes looped into the FIFO
    MttyDevice device = new MttyDevice(ports);
    for (int i = 0; i < ports; i++) {
      SerialPort p = device.port(i);
      p.write(SerialPort.LCR, 0x83); // DLAB on
      p.write(SerialPort.RX_TX, 0x0c + i); // divisor low
      p.write(SerialPort.IER, 0x01); // divisor high
      p.write(SerialPort.LCR, 0x03); // DLAB off
      p.write(SerialPort.IIR_FCR, 0xc7); // FIFO on, cleared
      p.write(SerialPort.IER, 0x05);
      p.write(SerialPort.MCR, 0x0b);
      p.write(SerialPort.SCR, 0x5a + i);
      p.transmit("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      p.read(SerialPort.RX_TX); // 'h' leaves the FIFO
    }

    // native memory, aligned as the struct is in the kernel (a byte array is aligned to 1 only)
    MemorySegment c = Arena.ofAuto().allocate(MttyImage.size(ports), MTTY_DATA.byteAlignment());
    c.set(U64, MTTY_DATA.byteOffset(groupElement("magic")), 0x7e9d09898c3e2c4eL);
    c.set(U32, MTTY_DATA.byteOffset(groupElement("major_ver")), 1);
    c.set(U32, MTTY_DATA.byteOffset(groupElement("minor_ver")), 0);
    c.set(U32, MTTY_DATA.byteOffset(groupElement("nr_ports")), ports);
    c.set(U32, MTTY_DATA.byteOffset(groupElement("flags")), 0);
    for (int i = 0; i < ports; i++) {
      long regs = port(i, "uart_reg");
      c.set(U8, regs + SerialPort.IER, (byte) 0x05);
      c.set(U8, regs + SerialPort.LCR, (byte) 0x03);
      c.set(U8, regs + SerialPort.MCR, (byte) 0x0b);
      c.set(U8, regs + SerialPort.SCR, (byte) (0x5a + i));
      long rxtx = port(i, "rxtx");
      byte[] hello = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      MemorySegment.copy(MemorySegment.ofArray(hello), 0, c, rxtx, hello.length);
      c.set(U8, rxtx + RXTX.byteOffset(groupElement("head")), (byte) 5);
      c.set(U8, rxtx + RXTX.byteOffset(groupElement("tail")), (byte) 1);
      c.set(U8, rxtx + RXTX.byteOffset(groupElement("count")), (byte) 4);
      c.set(U8, port(i, "dlab"), (byte) 0);
      c.set(U8, port(i, "overrun"), (byte) 0);
      c.set(U16, port(i, "divisor"), (short) (0x0100 | (0x0c + i)));
      c.set(U8, port(i, "fcr"), (byte) 0xc7);
      c.set(U8, port(i, "max_fifo_size"), (byte) 16);
      c.set(U8, port(i, "intr_trigger_level"), (byte) 1);
    }

    assertThat(device.image()).isEqualTo(c.toArray(ValueLayout.JAVA_BYTE));
  }
}
