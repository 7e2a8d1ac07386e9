package io.jvfio.host.sdk;

import java.lang.foreign.MemorySegment;

/** The receiving end of a resuming session: the saved stream, in any segmentation. */
public non-sealed interface ResumingStream extends MigrationDriver.Session {
  /** Consumes bytes of {@code src} and returns how many (Linux consumes all it accepts). */
  long write(MemorySegment src);
}
