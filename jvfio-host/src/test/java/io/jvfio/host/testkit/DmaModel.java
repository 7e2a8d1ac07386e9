package io.jvfio.host.testkit;

import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.DmaWriteLog;

/**
 * A model that does DMA when a test tells it to: it keeps the context the core opened it with and
 * logs its writes in a {@link DmaWriteLog}.
 */
public final class DmaModel implements DeviceModel {
  private final DmaWriteLog log = new DmaWriteLog();
  private volatile DeviceContext context;

  @Override
  public String name() {
    return "dma";
  }

  @Override
  public void open(DeviceContext c) {
    context = c;
  }

  @Override
  public void reset() {}

  @Override
  public DmaLogging dmaLogging() {
    return log;
  }

  /** The device's DMA (from the last open). */
  public Dma dma() {
    return context.dma();
  }
}
