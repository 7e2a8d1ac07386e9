package io.jvfio.devices.mtty;

import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;

/**
 * mtty's resuming session: bytes land in an image buffer at the cursor. The header is checked once,
 * by the write that brings the total to 24 bytes or more; that write fails with EFAULT on a bad
 * header, yet its bytes stay stored and counted, as in Linux. Whether the image is complete is
 * decided later, at RESUMING to STOP, which also refuses port records the UART cannot run.
 */
final class ResumingFile implements ResumingStream {
  private final int ports;
  private final byte[] data;
  private long filled;
  private long pos;
  private boolean disabled;

  ResumingFile(int ports) {
    this.ports = ports;
    this.data = new byte[MttyImage.size(ports)];
  }

  @Override
  public long write(MemorySegment src) {
    long len = src.byteSize();
    // Linux checks the size before it looks at the file, so ENOMEM wins over ENODEV.
    if (len > data.length - pos) {
      throw new MigrationException(
          Errno.ENOMEM, "mtty image is " + data.length + " bytes; " + (pos + len) + " offered");
    }
    if (disabled) {
      throw new MigrationException(Errno.ENODEV, "mtty resuming session ended");
    }
    MemorySegment.copy(src, 0, MemorySegment.ofArray(data), pos, len);
    pos += len;
    boolean headerNowComplete =
        filled < MttyImage.HEADER_SIZE && filled + len >= MttyImage.HEADER_SIZE;
    filled += len;
    if (headerNowComplete && !MttyImage.headerAccepted(data, ports)) {
      throw new MigrationException(Errno.EFAULT, "mtty stream header refused");
    }
    return len;
  }

  /** Whether a whole image arrived (the only check RESUMING to STOP makes). */
  boolean complete() {
    return filled >= data.length;
  }

  long filled() {
    return filled;
  }

  /**
   * Why the complete image cannot be loaded, or null. Linux only counts the bytes here; a port
   * record the UART cannot run is refused too, before any port changes.
   */
  String refusal() {
    for (int i = 0; i < ports; i++) {
      String why = SerialPort.refusal(data, MttyImage.portOffset(i));
      if (why != null) {
        return "port " + i + ": " + why;
      }
    }
    return null;
  }

  void loadInto(SerialPort[] target) {
    for (int i = 0; i < target.length; i++) {
      target[i].load(data, MttyImage.portOffset(i));
    }
  }

  @Override
  public void close() {
    disabled = true;
    filled = 0;
    pos = 0;
  }
}
