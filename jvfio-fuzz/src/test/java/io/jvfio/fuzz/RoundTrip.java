package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Cdev;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Iommufd;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The host still works: a fresh process binds the demo host's two memdev to one iommufd, attaches
 * both to an IOAS, saves the first with STOP_COPY and resumes the image into the second, and the
 * second's memory then equals the first's.
 */
final class RoundTrip {
  private RoundTrip() {}

  static void run(Host host, long seed) {
    MemDevice a = (MemDevice) Devices.device(host, DemoHost.MEMDEV_A).model();
    MemDevice b = (MemDevice) Devices.device(host, DemoHost.MEMDEV_B).model();
    byte[] pattern = new byte[(int) a.memorySize()];
    new SplittableRandom(seed).nextBytes(pattern);
    HostProcess p = host.process("roundtrip");
    try {
      int iommufd = Iommufd.openIommufdOk(p);
      int ioas = Iommufd.ioasAllocOk(p, iommufd);
      int devA = Kit.openOk(p, Devices.cdev(host, DemoHost.MEMDEV_A));
      int devB = Kit.openOk(p, Devices.cdev(host, DemoHost.MEMDEV_B));
      Cdev.bindOk(p, devA, iommufd);
      Cdev.bindOk(p, devB, iommufd);
      assertThat(Cdev.attach(p, devA, ioas)).as("ATTACH A").isPositive();
      assertThat(Cdev.attach(p, devB, ioas)).as("ATTACH B").isPositive();
      a.writeMemory(0, MemorySegment.ofArray(pattern));

      Migrations.set(p, devA, MigrationState.STOP);
      int save = Migrations.set(p, devA, MigrationState.STOP_COPY);
      byte[] image = Migrations.readAll(p, save, 64 << 10);
      Migrations.set(p, devB, MigrationState.STOP);
      int resume = Migrations.set(p, devB, MigrationState.RESUMING);
      assertThat(Migrations.write(p, resume, image, 0, image.length)).isEqualTo(image.length);
      Migrations.set(p, devB, MigrationState.STOP);
      Migrations.set(p, devB, MigrationState.RUNNING);
      Migrations.set(p, devA, MigrationState.STOP);
      Migrations.set(p, devA, MigrationState.RUNNING);

      MemorySegment got = MemorySegment.ofArray(new byte[pattern.length]);
      b.readMemory(0, got);
      assertThat(got.toArray(ValueLayout.JAVA_BYTE)).as("resumed memory").isEqualTo(pattern);
    } finally {
      p.close();
    }
  }
}
