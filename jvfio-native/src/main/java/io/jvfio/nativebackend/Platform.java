package io.jvfio.nativebackend;

import java.util.Locale;

/** Where the native backend can run: Linux only, whose syscall numbers and flags jvfio-uapi has. */
public final class Platform {
  private Platform() {}

  /** True on Linux. */
  public static boolean isLinux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
  }

  /** Throws with a sentence naming the OS unless this is Linux. */
  static void requireLinux(String what) {
    if (!isLinux()) {
      throw new UnsupportedOperationException(
          what
              + " needs Linux (VFIO and iommufd are Linux interfaces, and jvfio-uapi's flag and errno"
              + " values are Linux's), but this JVM runs on "
              + System.getProperty("os.name")
              + "; use the emulated backend here");
    }
  }
}
