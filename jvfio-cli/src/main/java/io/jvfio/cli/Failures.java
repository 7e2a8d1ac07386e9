package io.jvfio.cli;

import io.jvfio.client.VfioException;
import io.jvfio.devices.memdev.OutOfDeviceMemory;
import io.jvfio.host.kernel.KernelError;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.uapi.Errno;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * What a failure means to a person: one sentence and, where there is one, the Linux errno name. The
 * exceptions of the emulated kernel and the client carry their errno; a Java socket exception
 * carries only the kernel's strerror text, which names it just as well.
 */
final class Failures {
  /** A failure in words: {@code errno} is null when no errno applies. */
  record Described(String sentence, String errno) {}

  /** strerror texts of socket errors {@link Errno} does not name. */
  private static final Map<String, String> MORE =
      Map.of(
          "Cannot assign requested address", "EADDRNOTAVAIL",
          "No route to host", "EHOSTUNREACH",
          "Network is unreachable", "ENETUNREACH",
          "Connection reset", "ECONNRESET");

  private Failures() {}

  static Described describe(Throwable t) {
    return switch (t) {
      case CommandFailure f -> new Described(oneLine(f.getMessage()), f.errno());
      case VfioException v ->
          new Described(oneLine(v.getMessage()), v.errno() == null ? null : v.errno().name());
      case KernelError k -> new Described(oneLine(k.getMessage()), k.errno().name());
      case MigrationException m -> new Described(oneLine(m.getMessage()), m.errno().name());
      case OutOfDeviceMemory o ->
          new Described(
              oneLine(o.getMessage()) + " (use a smaller --memdev-mib)", Errno.ENOMEM.name());
      case SocketTimeoutException s -> new Described(oneLine(s.getMessage()), "ETIMEDOUT");
      case UnknownHostException u -> new Described(oneLine(u.getMessage()), null);
      case IOException io -> new Described(oneLine(io.getMessage()), errnoInText(io));
      case OutOfMemoryError o ->
          new Described(
              "the JVM ran out of heap memory (give it more with -Xmx in JVFIO_JAVA_OPTS)",
              Errno.ENOMEM.name());
      default ->
          new Described(
              "internal error, a bug in jvfio: "
                  + t.getClass().getSimpleName()
                  + (t.getMessage() == null ? "" : ": " + oneLine(t.getMessage()))
                  + " (--verbose shows where)",
              null);
    };
  }

  /** The errno whose strerror text the message of {@code t} or of a cause contains, or null. */
  static String errnoInText(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m == null) {
        continue;
      }
      for (Map.Entry<String, String> e : MORE.entrySet()) {
        if (m.contains(e.getKey())) {
          return e.getValue();
        }
      }
      for (Errno e : Errno.values()) {
        if (m.contains(e.description())) {
          return e.name();
        }
      }
    }
    return null;
  }

  /** Keeps a message on one line. */
  static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
