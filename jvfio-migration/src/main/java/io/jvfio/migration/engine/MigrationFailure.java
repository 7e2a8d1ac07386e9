package io.jvfio.migration.engine;

/** The migration cannot go on; the message says why in a sentence a person understands. */
public final class MigrationFailure extends RuntimeException {
  public MigrationFailure(String message) {
    super(message);
  }

  public MigrationFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
