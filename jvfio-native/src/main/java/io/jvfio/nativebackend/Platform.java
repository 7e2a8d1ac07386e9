package io.jvfio.nativebackend;

import java.util.Locale;
import java.util.Set;

/**
 * Where the native backend can run: Linux, on an architecture that uses the numbers jvfio-uapi
 * holds. Its flags, errnos and ioctl encodings are x86-64's, which arm64 and riscv64 share (the
 * generic ones); others (powerpc, mips, sparc, alpha) encode ioctl directions and some open flags
 * differently, so a call there would ask the kernel something else.
 */
public final class Platform {
  private static final Set<String> GENERIC_ARCHES = Set.of("amd64", "x86_64", "aarch64", "riscv64");

  private Platform() {}

  /** True on Linux. */
  public static boolean isLinux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
  }

  /** True on Linux with the generic syscall numbers: the native backend works here. */
  public static boolean isSupported() {
    return isLinux() && GENERIC_ARCHES.contains(arch());
  }

  private static String arch() {
    return System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
  }

  /** Throws with a sentence naming the OS or architecture unless {@link #isSupported()}. */
  static void requireSupported(String what) {
    if (!isLinux()) {
      throw new UnsupportedOperationException(
          what
              + " needs Linux (VFIO and iommufd are Linux interfaces, and jvfio-uapi's flag and errno"
              + " values are Linux's), but this JVM runs on "
              + System.getProperty("os.name")
              + "; use the emulated backend here");
    }
    if (!GENERIC_ARCHES.contains(arch())) {
      throw new UnsupportedOperationException(
          what
              + " needs x86-64, arm64 or riscv64 (jvfio-uapi's ioctl numbers and open flags are"
              + " theirs), but this JVM runs on "
              + System.getProperty("os.arch")
              + "; use the emulated backend here");
    }
  }
}
