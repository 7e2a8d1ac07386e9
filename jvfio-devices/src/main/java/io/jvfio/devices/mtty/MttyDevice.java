package io.jvfio.devices.mtty;

import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.MigrationDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A model of Linux's mtty sample (samples/vfio-mdev/mtty.c): a virtual PCI serial card with one or
 * two 16550-style ports that loop what is transmitted back into their receive FIFO, and a migration
 * driver whose stream is byte-compatible with the sample's (see {@link MttyImage}).
 *
 * <p>Like the sample, the device keeps its migration state when its last user closes it, a reset
 * touches only the migration side (the UART keeps its registers and FIFO), and DMA dirty logging is
 * present but does nothing, since the card does no DMA.
 */
public final class MttyDevice implements DeviceModel {
  /** The sample's migration flags: STOP_COPY | P2P | PRE_COPY. */
  public static final long MTTY_FLAGS = 0x7;

  /** DMA logging of a device without DMA: accepted, tracks nothing, reports nothing. */
  static final DmaLogging NO_DMA_LOGGING =
      new DmaLogging() {
        @Override
        public long start(List<Range> ranges, long pageSize) {
          return pageSize;
        }

        @Override
        public void stop() {}

        @Override
        public void report(long iova, long length, long pageSize, LongConsumer dirty) {}
      };

  private final SerialPort[] ports;
  private final MttyMigration migration;
  private boolean open;

  /** A single-port card (the sample's type "1"). */
  public MttyDevice() {
    this(1);
  }

  /** A card with {@code ports} ports (1 or 2), migrating as the sample does (flags 0x7). */
  public MttyDevice(int ports) {
    this(MTTY_FLAGS, ports);
  }

  private MttyDevice(long flags, int ports) {
    if (ports != 1 && ports != 2) {
      throw new IllegalArgumentException("mtty has 1 or 2 ports, not " + ports);
    }
    this.ports = new SerialPort[ports];
    for (int i = 0; i < ports; i++) {
      this.ports[i] = new SerialPort();
    }
    this.migration = new MttyMigration(this, flags);
  }

  /**
   * The same card declaring other migration flags: 0x1 (STOP_COPY), 0x3 (+P2P), 0x5 (+PRE_COPY) or
   * 0x7 (the sample). The stream format does not change; the arcs are those of the flag set.
   */
  public static MttyDevice withFlags(long flags, int ports) {
    return new MttyDevice(flags, ports);
  }

  @Override
  public String name() {
    return "mtty";
  }

  @Override
  public void open(DeviceContext context) {
    open = true;
  }

  @Override
  public void close() {
    open = false;
  }

  /** The sample's reset only resets migration (the core does that part); the UART is untouched. */
  @Override
  public void reset() {}

  @Override
  public MigrationDriver migration() {
    return migration;
  }

  @Override
  public DmaLogging dmaLogging() {
    return NO_DMA_LOGGING;
  }

  public boolean isOpen() {
    return open;
  }

  public int portCount() {
    return ports.length;
  }

  /** Port {@code index}, live: writes through it change the device. */
  public SerialPort port(int index) {
    return ports[index];
  }

  /** A copy of every port's state, for comparing two devices. */
  public List<SerialPort> portStates() {
    List<SerialPort> l = new ArrayList<>(ports.length);
    for (SerialPort p : ports) {
      l.add(p.copy());
    }
    return List.copyOf(l);
  }

  /** A guest write of one byte to register {@code offset} of port {@code index}'s I/O BAR. */
  public void writeRegister(int index, int offset, int value) {
    ports[index].write(offset, value);
  }

  /** A guest read of one byte from register {@code offset} of port {@code index}'s I/O BAR. */
  public int readRegister(int index, int offset) {
    return ports[index].read(offset);
  }

  /** The bytes a STOP_COPY session would stream for the device as it is now. */
  public byte[] image() {
    byte[] image = new byte[MttyImage.size(ports.length)];
    MttyImage.writeHeader(image, ports.length);
    for (int i = 0; i < ports.length; i++) {
      ports[i].save(image, MttyImage.portOffset(i));
    }
    return image;
  }

  SerialPort[] livePorts() {
    return ports;
  }
}
