package io.jvfio.conformance;

import io.jvfio.uapi.Errno;

/** How the kit writes a syscall's answer: "ok" for success, else the errno's name. */
final class Outcome {
  static final String OK = "ok";

  private Outcome() {}

  /** "ok" for {@code ret >= 0}, else "EINVAL" and the like ("errno 999" for an unnamed one). */
  static String of(long ret) {
    return ret >= 0 ? OK : Errno.of(ret).map(Enum::name).orElse("errno " + Math.abs(ret));
  }
}
