package io.jvfio.migration.wire;

import java.io.IOException;

/**
 * The bytes on the wire break the format: the message names what was wrong and the offset (bytes
 * from the start of that direction's stream) of the field where it was found.
 *
 * <p>A stream that simply ends early is not this exception but an {@link java.io.EOFException}
 * (whose message also names the field and offset): the peer went away, the bytes that did arrive
 * were fine.
 */
public final class WireFormatException extends IOException {
  private final long offset;
  private final String problem;

  public WireFormatException(String problem, long offset) {
    super(problem + " (at stream offset " + offset + ")");
    this.problem = problem;
    this.offset = offset;
  }

  public WireFormatException(String problem, long offset, Throwable cause) {
    this(problem, offset);
    initCause(cause);
  }

  /** Offset of the offending field from the start of the stream. */
  public long offset() {
    return offset;
  }

  /** What was wrong, without the offset. */
  public String problem() {
    return problem;
  }
}
