package io.jvfio.devices.mtty;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Devices.deviceInfoFlags;
import static io.jvfio.host.testkit.Iommufd.ioasAllocOk;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.openOk;
import static io.jvfio.host.testkit.Migrations.dataSize;
import static io.jvfio.host.testkit.Migrations.migrationFlags;
import static io.jvfio.host.testkit.Migrations.readAll;
import static io.jvfio.host.testkit.Migrations.set;
import static io.jvfio.host.testkit.Migrations.state;
import static io.jvfio.host.testkit.Migrations.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.Models;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * jvfio's mtty run as Linux runs it, as an mdev of the lab VM's mirror (mtty-2: two ports), moved
 * from one mdev into another through the data fds with the syscalls a VMM uses.
 */
class MttyMdevTest {
  private final Host host = new Host(DefaultHost.labVm(), Models.registry());
  private final HostProcess p = host.process("vmm");

  @AfterEach
  void tearDown() {
    host.close();
  }

  private MttyDevice model(int i) {
    return (MttyDevice) host.mdev(DefaultHost.LAB_MTTY.get(i)).orElseThrow().model();
  }

  /** Opens mdev {@code i}'s cdev, binds it and attaches it to {@code ioas}: the device fd. */
  private int open(int i, int iommufd, int ioas) {
    int dev = openOk(p, host.mdev(DefaultHost.LAB_MTTY.get(i)).orElseThrow().cdevPath());
    bindOk(p, dev, iommufd);
    assertThat(attach(p, dev, ioas)).isEqualTo(ioas);
    return dev;
  }

  @Test
  void theLabsMttyMdevsPlayTwoPortMttyWithLinuxsFlags() {
    int iommufd = openIommufdOk(p);
    int ioas = ioasAllocOk(p, iommufd);
    int dev = open(0, iommufd, ioas);
    assertThat(model(0).portStates()).hasSize(2);
    assertThat(deviceInfoFlags(p, dev)).isEqualTo(VfioConstants.VFIO_DEVICE_FLAGS_PCI);
    assertThat(migrationFlags(p, dev)).isEqualTo(0x7);
  }

  @Test
  void aFullMigrationMovesOneMdevsPortsIntoAnother() {
    for (long seed = 1; seed <= 5; seed++) {
      try (Host h = new Host(DefaultHost.labVm(), Models.registry())) {
        migrate(h, seed);
      }
    }
  }

  private void migrate(Host h, long seed) {
    HostProcess q = h.process("vmm");
    int iommufd = openIommufdOk(q);
    int ioas = ioasAllocOk(q, iommufd);
    int[] fds = new int[2];
    MttyDevice[] models = new MttyDevice[2];
    for (int i = 0; i < 2; i++) {
      var d = h.mdev(DefaultHost.LAB_MTTY.get(i)).orElseThrow();
      fds[i] = openOk(q, d.cdevPath());
      bindOk(q, fds[i], iommufd);
      assertThat(attach(q, fds[i], ioas)).isEqualTo(ioas);
      models[i] = (MttyDevice) d.model();
    }
    MttyTestData.run(models[0], MttyTestData.randomScript(seed, 2, 200));
    assertThat(models[1].portStates()).as("seed %d", seed).isNotEqualTo(models[0].portStates());
    int src = fds[0];
    int dst = fds[1];
    long size = dataSize(q, src);

    int saving = set(q, src, MigrationState.PRE_COPY);
    byte[] precopy = readAll(q, saving, 1 + new Random(seed).nextInt(16));
    assertThat(set(q, src, MigrationState.STOP_COPY)).isEqualTo(-1); // mtty keeps the fd
    byte[] rest = readAll(q, saving, 7);
    byte[] stream = new byte[precopy.length + rest.length];
    System.arraycopy(precopy, 0, stream, 0, precopy.length);
    System.arraycopy(rest, 0, stream, precopy.length, rest.length);
    assertThat(stream.length).as("seed %d", seed).isEqualTo(size);
    set(q, src, MigrationState.STOP);

    int resuming = set(q, dst, MigrationState.RESUMING);
    assertThat(write(q, resuming, stream, 0, stream.length)).isEqualTo(stream.length);
    set(q, dst, MigrationState.STOP);
    set(q, dst, MigrationState.RUNNING);
    assertThat(state(q, dst)).isEqualTo(MigrationState.RUNNING);
    assertThat(models[1].portStates()).as("seed %d", seed).isEqualTo(models[0].portStates());
  }
}
