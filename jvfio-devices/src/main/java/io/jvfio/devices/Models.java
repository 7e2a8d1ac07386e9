package io.jvfio.devices;

import io.jvfio.host.sdk.ModelRegistry;

/** Every device model jvfio ships, by the names topologies use. */
public final class Models {
  private Models() {}

  /** The core's built-in models plus the samples of this module. */
  public static ModelRegistry registry() {
    return ModelRegistry.builtin().register("edu", EduDevice::new);
  }
}
