package io.jvfio.host.sdk;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@link Dma} a model gets in its {@link DeviceContext}: translation by the host's {@link
 * DmaSpace}, a fault count, and the feed of the device's own DMA log: every write that landed is
 * reported to the model's {@link DmaWriteLog}, so the log holds exactly what the device wrote.
 */
public final class DmaPort implements Dma {
  private final DmaSpace space;
  private final Supplier<DmaLogging> logging;
  private final AtomicLong faults = new AtomicLong();

  /** {@code logging} is the model's {@link DeviceModel#dmaLogging()} (asked on every write). */
  public DmaPort(DmaSpace space, Supplier<DmaLogging> logging) {
    this.space = space;
    this.logging = logging;
  }

  @Override
  public void write(long iova, MemorySegment src) {
    long n = src.byteSize();
    if (n == 0) {
      return;
    }
    try {
      space.access(
          iova, n, true, (at, bytes) -> MemorySegment.copy(src, at, bytes, 0, bytes.byteSize()));
    } catch (DmaFault f) {
      faults.incrementAndGet();
      throw f;
    }
    DmaLogging l = logging.get();
    DmaWriteLog log = l == null ? null : l.writeLog();
    if (log != null) {
      log.written(iova, n);
    }
  }

  @Override
  public void read(long iova, MemorySegment dst) {
    long n = dst.byteSize();
    if (n == 0) {
      return;
    }
    try {
      space.access(
          iova, n, false, (at, bytes) -> MemorySegment.copy(bytes, 0, dst, at, bytes.byteSize()));
    } catch (DmaFault f) {
      faults.incrementAndGet();
      throw f;
    }
  }

  @Override
  public List<Range> writableRanges() {
    return space.writableRanges();
  }

  @Override
  public long faults() {
    return faults.get();
  }
}
