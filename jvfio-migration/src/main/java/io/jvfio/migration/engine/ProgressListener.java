package io.jvfio.migration.engine;

/** What the engine tells a progress display; called from the migrating thread. */
public interface ProgressListener {
  ProgressListener NONE = new ProgressListener() {};

  /** A new phase: "setup", "precopy", "stop-copy", "completing", "resuming", "recovering". */
  default void phase(String phase) {}

  /** Bytes moved so far, the estimate still to go, and the measured rate. */
  default void progress(long bytes, long remaining, double bytesPerSecond) {}
}
