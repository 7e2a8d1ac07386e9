package io.jvfio.devices;

import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;

/**
 * A model of QEMU's {@code edu} teaching device (1234:11e8): an identification register, a liveness
 * register that inverts what is written, and a factorial unit. A reset restores the power-on
 * values. Only device work lives here; the core owns every uAPI rule.
 */
public final class EduDevice implements DeviceModel {
  /** Major 1, minor 0, and the 0xed marker, as the real device reports. */
  public static final int IDENTIFICATION = 0x010000ed;

  private int liveness;
  private int factorial;
  private boolean open;

  @Override
  public String name() {
    return "edu";
  }

  @Override
  public void open(DeviceContext context) {
    open = true;
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public void reset() {
    liveness = 0;
    factorial = 0;
  }

  public boolean isOpen() {
    return open;
  }

  public int identification() {
    return IDENTIFICATION;
  }

  /** Writes the liveness register; reading it back gives the bitwise inverse. */
  public void writeLiveness(int value) {
    liveness = ~value;
  }

  public int readLiveness() {
    return liveness;
  }

  /** Starts a factorial computation (the result register wraps at 32 bits, like the device). */
  public void computeFactorial(int n) {
    int r = 1;
    for (int i = 2; i <= n; i++) {
      r *= i;
    }
    factorial = r;
  }

  public int factorialResult() {
    return factorial;
  }
}
