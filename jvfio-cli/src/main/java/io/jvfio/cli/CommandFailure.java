package io.jvfio.cli;

/**
 * A command ran and did not succeed for a reason outside the command line (a port in use, a peer
 * that does not answer, a device that refuses). Exit code 1. The message says what failed and what
 * to do; {@code errno} is the Linux error name when there is one (EADDRINUSE), else null.
 */
final class CommandFailure extends RuntimeException {
  private final String errno;

  CommandFailure(String message, String errno, Throwable cause) {
    super(message, cause);
    this.errno = errno;
  }

  CommandFailure(String message, String errno) {
    this(message, errno, null);
  }

  /** The errno name, or null. */
  String errno() {
    return errno;
  }
}
