package io.jvfio.host.sdk;

import io.jvfio.uapi.Errno;

/**
 * A device model's migration work failed. The errno is what the ioctl, read or write returns (a
 * firmware command that failed, ENOMEM for an image too large, EINVAL for a short stream, ENOMSG
 * for the temporary end of PRE_COPY data): the model names the failure, the core owns every other
 * rule.
 */
public class MigrationException extends RuntimeException {
  private final Errno errno;

  public MigrationException(Errno errno, String message) {
    super(message);
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }
}
