package io.jvfio.host.sdk;

import io.jvfio.uapi.vfio.MigrationState;

/** A migration driver that passes every call to another one; override what a wrapper changes. */
public abstract class ForwardingMigrationDriver implements MigrationDriver {
  private final MigrationDriver inner;

  protected ForwardingMigrationDriver(MigrationDriver inner) {
    this.inner = java.util.Objects.requireNonNull(inner, "inner");
  }

  public MigrationDriver inner() {
    return inner;
  }

  @Override
  public long migrationFlags() {
    return inner.migrationFlags();
  }

  @Override
  public Session arc(MigrationState from, MigrationState to) {
    return inner.arc(from, to);
  }

  @Override
  public long stopCopyLength() {
    return inner.stopCopyLength();
  }

  @Override
  public void migrationReset() {
    inner.migrationReset();
  }

  @Override
  public boolean keepsStateAcrossClose() {
    return inner.keepsStateAcrossClose();
  }
}
