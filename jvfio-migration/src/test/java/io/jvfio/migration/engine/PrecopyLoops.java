package io.jvfio.migration.engine;

/**
 * A listener that acts between the engine's precopy loops, on the engine's own thread: the tests'
 * guest writes happen at known points of the migration, so no test depends on timing.
 */
abstract class PrecopyLoops implements ProgressListener {
  private boolean precopy;

  /** Called once per progress report while the phase is precopy. */
  abstract void loop();

  @Override
  public final void phase(String phase) {
    precopy = phase.equals("precopy");
  }

  @Override
  public final void progress(long bytes, long remaining, double bytesPerSecond) {
    if (precopy) {
      loop();
    }
  }
}
