package io.jvfio.devices.mtty;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One port of the mtty card: the eight 16550 registers as the sample keeps them, its 16-byte
 * loopback FIFO (what is transmitted comes back on receive) and the few flags around it. The state
 * is exactly what Linux migrates for a port, and {@link #save}/{@link #load} use its 36-byte
 * record:
 *
 * <pre>
 *  0..7   register bytes (index = register offset)    27  dlab (C bool)
 *  8..23  FIFO                                       28  overrun (C bool)
 *  24     head      25 tail      26 count            29  padding
 *  30..31 divisor (little-endian)                    32  fcr   33 max FIFO size
 *  34     interrupt trigger level                    35  padding
 * </pre>
 *
 * Linux copies the record with memcpy in both directions, so the two padding bytes and any non-0/1
 * value of the two flags survive a resume and the next save; this class keeps them as raw bytes
 * too. Register semantics follow the sample, quirks included: the divisor latch is OR-ed into, a
 * full FIFO (head equal to tail again) reads as empty, and every FCR write sets the trigger level
 * to 1.
 */
public final class SerialPort {
  /** Bytes of one port in the migration image. */
  public static final int RECORD_SIZE = 36;

  /** FIFO depth with the FIFO enabled. */
  public static final int FIFO_SIZE = 16;

  /** Receive buffer (read) and transmit holding register (write); divisor low byte with DLAB. */
  public static final int RX_TX = 0;

  /** Interrupt enable; divisor high byte with DLAB. */
  public static final int IER = 1;

  /** Interrupt identification (read) and FIFO control (write). */
  public static final int IIR_FCR = 2;

  public static final int LCR = 3;
  public static final int MCR = 4;
  public static final int LSR = 5;
  public static final int MSR = 6;
  public static final int SCR = 7;

  static final int IER_RDI = 0x01;
  static final int IER_THRI = 0x02;
  static final int IER_RLSI = 0x04;
  static final int IER_MSI = 0x08;
  static final int IIR_NO_INT = 0x01;
  static final int IIR_THRI = 0x02;
  static final int IIR_RDI = 0x04;
  static final int IIR_RLSI = 0x06;
  static final int IIR_FIFO_BITS = 0xc0;
  static final int FCR_ENABLE_FIFO = 0x01;
  static final int FCR_CLEAR_RCVR = 0x02;
  static final int FCR_CLEAR_XMIT = 0x04;
  static final int LCR_DLAB = 0x80;
  static final int MCR_DTR = 0x01;
  static final int MCR_RTS = 0x02;
  static final int MCR_OUT2 = 0x08;
  static final int MCR_AFE = 0x20;
  static final int LSR_DR = 0x01;
  static final int LSR_OE = 0x02;
  static final int LSR_THRE = 0x20;
  static final int LSR_TEMT = 0x40;
  static final int MSR_DCTS = 0x01;
  static final int MSR_DDSR = 0x02;
  static final int MSR_CTS = 0x10;
  static final int MSR_DSR = 0x20;
  static final int MSR_DCD = 0x80;

  private static final int OFF_FIFO = 8;
  private static final int OFF_HEAD = 24;
  private static final int OFF_TAIL = 25;
  private static final int OFF_COUNT = 26;
  private static final int OFF_DLAB = 27;
  private static final int OFF_OVERRUN = 28;
  private static final int OFF_DIVISOR = 30;
  private static final int OFF_FCR = 32;
  private static final int OFF_MAX_FIFO = 33;
  private static final int OFF_TRIGGER = 34;

  /** The record, kept as Linux keeps the struct: every field is read and written in place. */
  private final byte[] r = new byte[RECORD_SIZE];

  private long interruptRequests;

  /** A port as the sample creates it: everything zero except a 16-byte FIFO limit. */
  public SerialPort() {
    r[OFF_MAX_FIFO] = FIFO_SIZE;
  }

  /** A port holding a copy of a 36-byte record. */
  public static SerialPort fromRecord(byte[] record) {
    if (record.length != RECORD_SIZE) {
      throw new IllegalArgumentException("a port record has " + RECORD_SIZE + " bytes");
    }
    SerialPort p = new SerialPort();
    p.load(record, 0);
    return p;
  }

  /** An independent copy of this port's state. */
  public SerialPort copy() {
    return fromRecord(record());
  }

  /** Writes the 36-byte record at {@code offset}. */
  public void save(byte[] image, int offset) {
    System.arraycopy(r, 0, image, offset, RECORD_SIZE);
  }

  /**
   * Replaces the whole state with the 36-byte record at {@code offset}; a record this port cannot
   * run ({@link #refusal}) is refused with IllegalArgumentException and nothing changes.
   */
  public void load(byte[] image, int offset) {
    String why = refusal(image, offset);
    if (why != null) {
      throw new IllegalArgumentException("unrunnable mtty port record: " + why);
    }
    System.arraycopy(image, offset, r, 0, RECORD_SIZE);
  }

  /**
   * Why the 36-byte record at {@code offset} is not a state this port can run, or null when it is.
   * Linux's mtty copies whatever arrives, so a FIFO index of 0xff makes it read and write outside
   * its FIFO; here the FIFO bookkeeping must be one the register logic keeps: head and tail index
   * the 16-byte FIFO, count is what lies between them (16 only when full, head equal to tail), and
   * the FIFO limit is at most 16, or count could pass the FIFO's size. Every other byte (registers,
   * FIFO data, the C bools, divisor, FCR, trigger level, padding) is stored and run as it is, as
   * Linux does: no value of them indexes anything.
   */
  public static String refusal(byte[] image, int offset) {
    int head = image[offset + OFF_HEAD] & 0xff;
    int tail = image[offset + OFF_TAIL] & 0xff;
    int count = image[offset + OFF_COUNT] & 0xff;
    int max = image[offset + OFF_MAX_FIFO] & 0xff;
    if (head >= FIFO_SIZE || tail >= FIFO_SIZE) {
      return "FIFO head " + head + " or tail " + tail + " outside the " + FIFO_SIZE + "-byte FIFO";
    }
    if (count > FIFO_SIZE || ((head - tail - count) & (FIFO_SIZE - 1)) != 0) {
      return "FIFO count " + count + " does not match head " + head + " and tail " + tail;
    }
    if (max > FIFO_SIZE) {
      return "FIFO limit " + max + " beyond the " + FIFO_SIZE + "-byte FIFO";
    }
    return null;
  }

  /** A copy of the 36-byte record. */
  public byte[] record() {
    return r.clone();
  }

  // ---- guest side: register accesses, as a driver reaching the port's I/O BAR would do ----

  /** A one-byte write to register {@code offset} (0..7); other offsets are ignored. */
  public void write(int offset, int value) {
    int data = value & 0xff;
    switch (offset) {
      case RX_TX -> {
        if (dlab()) {
          setDivisor(divisor() | data);
        } else {
          transmit(data);
        }
      }
      case IER -> {
        if (dlab()) {
          setDivisor(divisor() | (data << 8));
        } else {
          r[IER] = (byte) data;
          if ((data & IER_THRI) != 0 && head() == tail()) {
            interruptRequests++;
          }
        }
      }
      case IIR_FCR -> writeFcr(data);
      case LCR -> {
        if ((data & LCR_DLAB) != 0) {
          r[OFF_DLAB] = 1;
          setDivisor(0);
        } else {
          r[OFF_DLAB] = 0;
        }
        r[LCR] = (byte) data;
      }
      case MCR -> {
        r[MCR] = (byte) data;
        boolean msi = (register(IER) & IER_MSI) != 0;
        if (msi && (data & MCR_OUT2) != 0) {
          interruptRequests++;
        }
        if (msi && (data & (MCR_RTS | MCR_DTR)) != 0) {
          interruptRequests++;
        }
      }
      case SCR -> r[SCR] = (byte) data;
      default -> {
        // LSR and MSR are read-only here
      }
    }
  }

  /** A one-byte read of register {@code offset} (0..7); a read of an empty FIFO gives 0. */
  public int read(int offset) {
    return switch (offset) {
      case RX_TX -> {
        if (dlab()) {
          yield divisor() & 0xff;
        }
        int v = 0;
        if (head() != tail()) {
          v = u8(OFF_FIFO + tail());
          r[OFF_COUNT] = (byte) (count() - 1);
          r[OFF_TAIL] = (byte) ((tail() + 1) & (FIFO_SIZE - 1));
        }
        if (head() == tail() && (register(IER) & IER_THRI) != 0) {
          interruptRequests++;
        }
        yield v;
      }
      case IER -> dlab() ? divisor() >>> 8 : register(IER) & 0x0f;
      case IIR_FCR -> interruptIdentification();
      case LCR, MCR, SCR -> register(offset);
      case LSR -> {
        int lsr = 0;
        if (head() != tail()) {
          lsr |= LSR_DR;
        } else {
          lsr |= LSR_TEMT | LSR_THRE;
        }
        if (overrun()) {
          lsr |= LSR_OE;
        }
        yield lsr;
      }
      case MSR -> {
        int msr = MSR_DSR | MSR_DDSR | MSR_DCD;
        if ((register(MCR) & MCR_AFE) == 0 || count() < maxFifoSize()) {
          msr |= MSR_CTS | MSR_DCTS;
        }
        yield msr;
      }
      default -> 0;
    };
  }

  /**
   * Transmits bytes one by one, as writes to the transmit register (they loop back into the FIFO).
   */
  public void transmit(byte... bytes) {
    for (byte b : bytes) {
      write(RX_TX, b);
    }
  }

  private void transmit(int data) {
    if (count() < maxFifoSize()) {
      r[OFF_FIFO + head()] = (byte) data;
      r[OFF_COUNT] = (byte) (count() + 1);
      r[OFF_HEAD] = (byte) ((head() + 1) & (FIFO_SIZE - 1));
      r[OFF_OVERRUN] = 0;
      if ((register(IER) & IER_RDI) != 0 && count() == interruptTriggerLevel()) {
        interruptRequests++;
      }
    } else {
      r[OFF_OVERRUN] = 1;
      if ((register(IER) & IER_RLSI) != 0) {
        interruptRequests++;
      }
    }
  }

  private void writeFcr(int data) {
    r[OFF_FCR] = (byte) data;
    if ((data & (FCR_CLEAR_RCVR | FCR_CLEAR_XMIT)) != 0) {
      r[OFF_COUNT] = 0;
      r[OFF_HEAD] = 0;
      r[OFF_TAIL] = 0;
    }
    // The sample decodes the trigger bits and then always settles on 1.
    r[OFF_TRIGGER] = 1;
    r[OFF_MAX_FIFO] = (byte) ((data & FCR_ENABLE_FIFO) != 0 ? FIFO_SIZE : 1);
  }

  private int interruptIdentification() {
    int ier = register(IER);
    int iir = 0;
    if ((ier & IER_RLSI) != 0 && overrun()) {
      iir |= IIR_RLSI;
    }
    if ((ier & IER_RDI) != 0 && count() >= interruptTriggerLevel()) {
      iir |= IIR_RDI;
    }
    if ((ier & IER_THRI) != 0 && head() == tail()) {
      iir |= IIR_THRI;
    }
    // A modem-status interrupt has identification 0: it adds no bit.
    if (iir == 0) {
      iir = IIR_NO_INT;
    }
    return iir | IIR_FIFO_BITS;
  }

  // ---- state access ----

  /** Register byte {@code index} as stored (what a write left; IIR, LSR and MSR stay as loaded). */
  public int register(int index) {
    return u8(index);
  }

  /** Stores a register byte directly, with none of a guest write's side effects. */
  public void setRegister(int index, int value) {
    if (index < 0 || index >= 8) {
      throw new IndexOutOfBoundsException(index);
    }
    r[index] = (byte) value;
  }

  /** A copy of the 16 FIFO bytes. */
  public byte[] fifo() {
    return Arrays.copyOfRange(r, OFF_FIFO, OFF_FIFO + FIFO_SIZE);
  }

  public int head() {
    return u8(OFF_HEAD);
  }

  public int tail() {
    return u8(OFF_TAIL);
  }

  public int count() {
    return u8(OFF_COUNT);
  }

  public boolean dlab() {
    return r[OFF_DLAB] != 0;
  }

  public boolean overrun() {
    return r[OFF_OVERRUN] != 0;
  }

  public int divisor() {
    return u8(OFF_DIVISOR) | u8(OFF_DIVISOR + 1) << 8;
  }

  public int fcr() {
    return u8(OFF_FCR);
  }

  public int maxFifoSize() {
    return u8(OFF_MAX_FIFO);
  }

  public int interruptTriggerLevel() {
    return u8(OFF_TRIGGER);
  }

  /**
   * How many times the port asked for an interrupt (the sample signals its eventfd then, if one is
   * set up). Not part of the migrated state.
   */
  public long interruptRequests() {
    return interruptRequests;
  }

  private void setDivisor(int value) {
    r[OFF_DIVISOR] = (byte) value;
    r[OFF_DIVISOR + 1] = (byte) (value >>> 8);
  }

  private int u8(int offset) {
    return r[offset] & 0xff;
  }

  /** Two ports are equal when their migrated records are (the interrupt count is not compared). */
  @Override
  public boolean equals(Object o) {
    return o instanceof SerialPort p && Arrays.equals(r, p.r);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(r);
  }

  @Override
  public String toString() {
    return "SerialPort[" + HexFormat.of().formatHex(r) + "]";
  }
}
