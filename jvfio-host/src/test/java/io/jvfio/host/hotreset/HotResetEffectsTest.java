package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.destroy;
import static io.jvfio.host.testkit.Iommufd.ioasAllocOk;
import static io.jvfio.host.testkit.Iommufd.objects;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdDevice;
import io.jvfio.host.migration.TestMigrationModel;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.VfioConstants;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a successful hot reset does (spec 8.6), and what it leaves alone. */
class HotResetEffectsTest {
  private static final long ALL =
      VfioConstants.VFIO_MIGRATION_STOP_COPY
          | VfioConstants.VFIO_MIGRATION_P2P
          | VfioConstants.VFIO_MIGRATION_PRE_COPY;

  @Test
  void everyFunctionInScopeIsResetOnceOpenedOrNot() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int a = cdevBound(p, host, PAIR_A, openIommufdOk(p));
      assertThat(resets(host, PAIR_A, PAIR_B, BUS_A, BUS_B, SLOT)).containsOnly(0);
      for (int i = 1; i <= 3; i++) {
        assertThat(hotReset(p, a)).isZero();
        assertThat(resets(host, PAIR_A, PAIR_B)).containsExactly(i, i);
      }
      assertThat(resets(host, BUS_A, BUS_B, SLOT)).containsOnly(0);
      assertThat(device(host, PAIR_B).openCount()).isZero();
    }
  }

  @Test
  void theCallersBindingDevidAndAttachmentAreUnchanged() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      int b = cdevBound(p, host, BUS_B, ictx);
      int ioas = ioasAllocOk(p, ictx);
      int hwpt = attach(p, a, ioas);
      assertThat(hwpt).isPositive();
      assertThat(attach(p, b, ioas)).isEqualTo(hwpt);
      int devA = devidOf(host, BUS_A);
      int devB = devidOf(host, BUS_B);
      IommufdDevice bindingA = device(host, BUS_A).iommufdBinding();
      List<String> objectsBefore = objects(p, ictx);
      int infoFlags = deviceInfoFlags(p, a);

      assertThat(hotReset(p, a)).isZero();
      assertThat(hotReset(p, b)).isZero();

      assertThat(objects(p, ictx)).isEqualTo(objectsBefore);
      assertThat(device(host, BUS_A).iommufdBinding()).isSameAs(bindingA);
      assertThat(device(host, BUS_A).openCount()).isEqualTo(1);
      assertThat(device(host, BUS_A).cdevOpened()).isTrue();
      assertThat(destroy(p, ictx, devA)).isEqualTo(Errno.EBUSY.negative());
      assertThat(destroy(p, ictx, devB)).isEqualTo(Errno.EBUSY.negative());
      assertThat(destroy(p, ictx, ioas)).isEqualTo(Errno.EBUSY.negative());
      // a second ATTACH to the same IOAS is a no-op replace reporting the same HWPT
      assertThat(attach(p, a, ioas)).isEqualTo(hwpt);
      assertThat(attach(p, b, ioas)).isEqualTo(hwpt);
      assertThat(infoOk(p, a).ids()).containsExactly(devA, devB);
      assertThat(deviceInfoFlags(p, a)).isEqualTo(infoFlags);
    }
  }

  @Test
  void aGroupPathCallerKeepsItsCompatAttachment() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      GroupDevice a = compat(p, BUS_A_GROUP, ictx, BUS_A);
      GroupDevice b = compat(p, BUS_B_GROUP, ictx, BUS_B);
      List<String> before = objects(p, ictx);
      assertThat(hotReset(p, a.device(), a.group(), b.group())).isZero();
      assertThat(objects(p, ictx)).isEqualTo(before);
      assertThat(device(host, BUS_A).openCount()).isEqualTo(1);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }

  @Test
  void aHotResetNeverChangesNeedsReset() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      int b = cdevBound(p, host, BUS_B, ictx);
      // 02:00.0 closes while 02:01.0 is open: no function reset, no bus reset
      assertThat(p.close(a)).isZero();
      assertThat(device(host, BUS_A).needsReset()).isTrue();
      a = cdevBound(p, host, BUS_A, ictx);
      assertThat(device(host, BUS_A).needsReset()).isTrue();
      assertThat(device(host, BUS_B).needsReset()).isFalse();
      assertThat(hotReset(p, a)).isZero();
      assertThat(hotReset(p, b)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2);
      assertThat(device(host, BUS_A).needsReset()).isTrue();
      assertThat(device(host, BUS_B).needsReset()).isFalse();
      // only the close-time bus reset clears it
      p.close();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(3, 3);
      assertThat(device(host, BUS_A).needsReset()).isFalse();
      assertThat(device(host, BUS_B).needsReset()).isFalse();
    }
  }

  @Test
  void migratableMembersGoBackToRunningAndTheirDataFdsEnd() {
    TestMigrationModel m0 = new TestMigrationModel(ALL, 64);
    TestMigrationModel m1 = new TestMigrationModel(VfioConstants.VFIO_MIGRATION_STOP_COPY, 64);
    TestMigrationModel m2 =
        new TestMigrationModel(
            VfioConstants.VFIO_MIGRATION_STOP_COPY | VfioConstants.VFIO_MIGRATION_P2P, 64);
    try (Host host = busHost(new boolean[] {true, false, false}, m0, m1, m2)) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int d0 = cdevBound(p, host, busHostBdf(0), ictx);
      int d1 = cdevBound(p, host, busHostBdf(1), ictx);
      int d2 = cdevBound(p, host, busHostBdf(2), ictx);
      int saving0 = Migrations.set(p, d0, PRE_COPY);
      assertThat(Migrations.read(p, saving0, 8)).hasSize(8);
      assertThat(Migrations.set(p, d1, STOP)).isEqualTo(-1);
      int resuming1 = Migrations.set(p, d1, RESUMING);
      assertThat(Migrations.write(p, resuming1, m1.image(), 0, 16)).isEqualTo(16);
      int saving2 = Migrations.set(p, d2, STOP_COPY);
      assertThat(Migrations.state(p, d2)).isEqualTo(STOP_COPY);
      for (TestMigrationModel m : List.of(m0, m1, m2)) {
        m.clearRecords();
      }
      List<Integer> before = resets(host, busHostBdf(0), busHostBdf(1), busHostBdf(2));

      assertThat(infoOk(p, d1).flags()).isEqualTo(BOTH);
      assertThat(hotReset(p, d1)).isZero();

      for (int fd : new int[] {d0, d1, d2}) {
        assertThat(Migrations.state(p, fd)).isEqualTo(RUNNING);
      }
      for (int i = 0; i < 3; i++) {
        assertThat(device(host, busHostBdf(i)).resets()).isEqualTo(before.get(i) + 1);
        assertThat(device(host, busHostBdf(i)).migration().savingFile()).isNull();
        assertThat(device(host, busHostBdf(i)).migration().resumingFile()).isNull();
      }
      assertThat(Migrations.read(p, saving0, 8)).isNull();
      assertThat(p.read(saving0, Kit.buf(8))).isEqualTo(Errno.ENODEV.negative());
      assertThat(p.read(saving2, Kit.buf(8))).isEqualTo(Errno.ENODEV.negative());
      assertThat(Migrations.write(p, resuming1, m1.image(), 16, 32))
          .isEqualTo(Errno.ENODEV.negative());
      assertThat(m0.events()).startsWith("reset").contains("saving closed", "migrationReset");
      assertThat(m1.events()).startsWith("reset").contains("resuming closed", "migrationReset");
      assertThat(m2.events()).startsWith("reset").contains("saving closed", "migrationReset");
      assertThat(m0.arcs()).isEmpty();
      // the data fds stay open (ended) until closed; the devices migrate again
      assertThat(p.close(saving0)).isZero();
      int again = Migrations.set(p, d2, STOP_COPY);
      assertThat(again).isPositive();
      assertThat(Migrations.readAll(p, again, 40)).isEqualTo(m2.image());
    }
  }

  @Test
  void anUnopenedMigratableMemberIsResetToo() {
    TestMigrationModel m0 = new TestMigrationModel(VfioConstants.VFIO_MIGRATION_STOP_COPY, 16);
    TestMigrationModel m1 = new TestMigrationModel(VfioConstants.VFIO_MIGRATION_STOP_COPY, 16);
    // same IOMMU group would be needed for the cdev path: use the group path instead
    try (Host host = busHost(new boolean[] {false, false}, m0, m1)) {
      HostProcess p = host.process("legacy");
      GroupDevice a = legacy(p, 21, busHostBdf(0));
      int g1 = openGroupOk(p, 22);
      m1.clearRecords();
      assertThat(hotReset(p, a.device(), a.group(), g1)).isZero();
      assertThat(m1.events()).containsExactly("reset", "migrationReset");
      assertThat(device(host, busHostBdf(1)).migration().state()).isEqualTo(RUNNING);
    }
  }
}
