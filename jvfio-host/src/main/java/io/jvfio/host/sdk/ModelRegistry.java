package io.jvfio.host.sdk;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Device models by name, so a topology can say {@code driver=vfio-pci:edu}. */
public final class ModelRegistry {
  private final Map<String, Supplier<DeviceModel>> factories = new LinkedHashMap<>();

  /** A registry with the core's own {@code plain} model. */
  public static ModelRegistry builtin() {
    return new ModelRegistry().register("plain", PlainFunction::new);
  }

  public ModelRegistry register(String name, Supplier<DeviceModel> factory) {
    if (factories.putIfAbsent(name, factory) != null) {
      throw new IllegalArgumentException("model " + name + " registered twice");
    }
    return this;
  }

  public DeviceModel create(String name) {
    Supplier<DeviceModel> f = factories.get(name);
    if (f == null) {
      throw new IllegalArgumentException(
          "unknown device model " + name + " (known: " + String.join(", ", names()) + ")");
    }
    return f.get();
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(factories.keySet());
  }
}
