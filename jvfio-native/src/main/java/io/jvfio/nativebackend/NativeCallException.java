package io.jvfio.nativebackend;

import io.jvfio.uapi.Errno;

/**
 * A native call that has no {@code -errno} return to carry its failure: the errno and a sentence.
 */
public final class NativeCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  NativeCallException(String call, int errno, String what) {
    super(call + " failed with " + Errno.describe(errno) + ": " + what);
    this.errno = errno;
  }

  /** The positive errno number the kernel answered. */
  public int errno() {
    return errno;
  }
}
