package io.jvfio.host.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.vfio.MigrationState;
import org.junit.jupiter.api.Test;

/** What the core refuses at registration, and the open-time state of a migratable device. */
class RegistrationTest {
  @Test
  void aModelWithoutStopCopyIsRefusedWithAClearError() {
    assertThatThrownBy(() -> Migrations.host(new TestMigrationModel(0x6, 16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0x6")
        .hasMessageContaining("VFIO_MIGRATION_STOP_COPY");
    assertThatThrownBy(() -> Migrations.host(new TestMigrationModel(0x9, 16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown migration flags 0x8");
  }

  @Test
  void aPciStyleDeviceReopensInRunningAndAKeepingOneWhereItWas() {
    for (boolean keeps : new boolean[] {false, true}) {
      try (Host host = Migrations.host(new TestMigrationModel(0x7, 16).keepsState(keeps))) {
        HostProcess p = host.process("vmm");
        int dev = Migrations.open(p, host, 0);
        Migrations.set(p, dev, MigrationState.STOP);
        p.close(dev);
        int again = Migrations.open(p, host, 0);
        assertThat(Migrations.state(p, again))
            .as("keeps state: %s", keeps)
            .isEqualTo(keeps ? MigrationState.STOP : MigrationState.RUNNING);
      }
    }
  }
}
