package io.jvfio.client;

import io.jvfio.uapi.Errno;

/**
 * A VFIO call failed: the errno Linux (or the emulator) answered, the call that failed, and a
 * sentence a person understands.
 */
public final class VfioException extends RuntimeException {
  private final Errno errno;
  private final long rawErrno;
  private final String call;

  public VfioException(long ret, String call, String explanation) {
    super(
        call
            + " failed: "
            + Errno.describe(ret)
            + (explanation.isEmpty() ? "" : " - " + explanation));
    this.rawErrno = Math.abs(ret);
    this.errno = Errno.of(ret).orElse(null);
    this.call = call;
  }

  /** The errno, or null for a number {@link Errno} does not name (see {@link #rawErrno()}). */
  public Errno errno() {
    return errno;
  }

  public long rawErrno() {
    return rawErrno;
  }

  /** The call that failed, e.g. "VFIO_DEVICE_BIND_IOMMUFD(/dev/vfio/devices/vfio1)". */
  public String call() {
    return call;
  }

  /** True when this failure is {@code e}. */
  public boolean is(Errno e) {
    return errno == e;
  }
}
