package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.iommufd.IommufdTestKit;
import io.jvfio.host.migration.Mig;
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
    MemDevice a = (MemDevice) IommufdTestKit.device(host, DemoHost.MEMDEV_A).model();
    MemDevice b = (MemDevice) IommufdTestKit.device(host, DemoHost.MEMDEV_B).model();
    byte[] pattern = new byte[(int) a.memorySize()];
    new SplittableRandom(seed).nextBytes(pattern);
    HostProcess p = host.process("roundtrip");
    try {
      int iommufd = IommufdTestKit.openIommufd(p);
      int ioas = IommufdTestKit.ioasAllocOk(p, iommufd);
      int devA = IommufdTestKit.openOk(p, IommufdTestKit.cdev(host, DemoHost.MEMDEV_A));
      int devB = IommufdTestKit.openOk(p, IommufdTestKit.cdev(host, DemoHost.MEMDEV_B));
      IommufdTestKit.bindOk(p, devA, iommufd);
      IommufdTestKit.bindOk(p, devB, iommufd);
      assertThat(IommufdTestKit.attach(p, devA, ioas)).as("ATTACH A").isPositive();
      assertThat(IommufdTestKit.attach(p, devB, ioas)).as("ATTACH B").isPositive();
      a.writeMemory(0, MemorySegment.ofArray(pattern));

      Mig.set(p, devA, MigrationState.STOP);
      int save = Mig.set(p, devA, MigrationState.STOP_COPY);
      byte[] image = Mig.readAll(p, save, 64 << 10);
      Mig.set(p, devB, MigrationState.STOP);
      int resume = Mig.set(p, devB, MigrationState.RESUMING);
      assertThat(Mig.write(p, resume, image, 0, image.length)).isEqualTo(image.length);
      Mig.set(p, devB, MigrationState.STOP);
      Mig.set(p, devB, MigrationState.RUNNING);
      Mig.set(p, devA, MigrationState.STOP);
      Mig.set(p, devA, MigrationState.RUNNING);

      MemorySegment got = MemorySegment.ofArray(new byte[pattern.length]);
      b.readMemory(0, got);
      assertThat(got.toArray(ValueLayout.JAVA_BYTE)).as("resumed memory").isEqualTo(pattern);
    } finally {
      p.close();
    }
  }
}
