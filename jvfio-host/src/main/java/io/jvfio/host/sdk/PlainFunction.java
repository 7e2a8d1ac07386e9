package io.jvfio.host.sdk;

/**
 * A PCI function with no device-specific behaviour: what plain vfio-pci passes through when no
 * variant driver or richer model is named. It keeps the counters a test or a listing can read.
 */
public final class PlainFunction implements DeviceModel {
  private int opens;
  private int resets;
  private boolean open;

  @Override
  public String name() {
    return "plain";
  }

  @Override
  public void open(DeviceContext context) {
    open = true;
    opens++;
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public void reset() {
    resets++;
  }

  public boolean isOpen() {
    return open;
  }

  public int opens() {
    return opens;
  }

  public int resets() {
    return resets;
  }
}
