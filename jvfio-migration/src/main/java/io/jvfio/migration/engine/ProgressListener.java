package io.jvfio.migration.engine;

/** What the engine tells a progress display; called from the migrating thread. */
public interface ProgressListener {
  ProgressListener NONE = new ProgressListener() {};

  /**
   * A new phase: at a source "setup", "precopy", "stop-copy", "completing"; at a destination
   * "resuming", "stop-copy" (the first device's stop-copy data arrives), "completing"; at either
   * "recovering" after a failure.
   */
  default void phase(String phase) {}

  /**
   * Bytes moved so far, the estimate still to go (negative: unknown) and the measured rate (NaN or
   * 0: unknown).
   */
  default void progress(long bytes, long remaining, double bytesPerSecond) {}

  /**
   * A long step outside the phases that moves no bytes ("computing the digests", "building the
   * source host"): shown by name, so a long wait is not a silent one.
   */
  default void step(String what) {}
}
