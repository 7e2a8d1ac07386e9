package io.jvfio.host.sdk;

import java.lang.foreign.MemorySegment;

/**
 * A device model that passes every call to another one: the base of wrappers that watch or change a
 * model's behaviour (fault injection, recording) by overriding only what they change.
 */
public abstract class ForwardingDeviceModel implements DeviceModel {
  private final DeviceModel inner;

  protected ForwardingDeviceModel(DeviceModel inner) {
    this.inner = java.util.Objects.requireNonNull(inner, "inner");
  }

  /** The wrapped model. */
  public DeviceModel inner() {
    return inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void open(DeviceContext context) {
    inner.open(context);
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public void reset() {
    inner.reset();
  }

  @Override
  public void destroy() {
    inner.destroy();
  }

  @Override
  public MigrationDriver migration() {
    return inner.migration();
  }

  @Override
  public DmaLogging dmaLogging() {
    return inner.dmaLogging();
  }

  @Override
  public int deviceFeature(int index, int ops, MemorySegment payload) {
    return inner.deviceFeature(index, ops, payload);
  }
}
