package io.jvfio.devices.mtty;

import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;

/**
 * mtty's saving session: an image buffer that holds the header from the start and the port records
 * once the device enters STOP_COPY; reads hand out what is filled, in order.
 */
final class SavingFile implements SavingStream {
  private final byte[] data;
  private int filled;
  private long pos;
  private boolean disabled;

  /** A session holding the header only (what PRE_COPY starts with). */
  SavingFile(int ports) {
    data = new byte[MttyImage.size(ports)];
    MttyImage.writeHeader(data, ports);
    filled = MttyImage.HEADER_SIZE;
  }

  /** Appends a snapshot of the ports after what is filled (the STOP_COPY part). */
  void appendPorts(SerialPort[] ports) {
    for (SerialPort p : ports) {
      p.save(data, filled);
      filled += SerialPort.RECORD_SIZE;
    }
  }

  @Override
  public long read(MemorySegment dst) {
    if (disabled) {
      throw new MigrationException(Errno.ENODEV, "mtty saving session ended");
    }
    if (pos > filled) {
      throw new MigrationException(Errno.EINVAL, "mtty saving cursor beyond the data");
    }
    long n = Math.min(dst.byteSize(), filled - pos);
    if (n > 0) {
      MemorySegment.copy(MemorySegment.ofArray(data), pos, dst, 0, n);
      pos += n;
    }
    return n;
  }

  @Override
  public PrecopyInfo precopyInfo() {
    if (disabled) {
      throw new MigrationException(Errno.ENODEV, "mtty saving session ended");
    }
    if (pos > filled) {
      throw new MigrationException(Errno.EINVAL, "mtty saving cursor beyond the data");
    }
    return new PrecopyInfo(filled - pos, 0);
  }

  /** Like Linux's disabled file: nothing left, cursor back at 0, every later access ENODEV. */
  @Override
  public void close() {
    disabled = true;
    filled = 0;
    pos = 0;
  }
}
