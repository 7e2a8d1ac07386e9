package io.jvfio.host.vfio;

import io.jvfio.host.kernel.OpenFile;

/** Entry points the host's node table needs from this package. */
public final class Access {
  private Access() {}

  /** open() of {@code /dev/vfio/N}. */
  public static OpenFile openGroup(VfioGroup group) {
    return group.open();
  }
}
