package io.jvfio.devices.memdev;

import static io.jvfio.host.testkit.Cdev.attach;
import static io.jvfio.host.testkit.Cdev.bindOk;
import static io.jvfio.host.testkit.Iommufd.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A migration arc waits for the device lock behind the workload thread: at a rate far above what
 * the thread can keep up with, it still works in small batches and releases the lock between them,
 * so what an arc waits for is bounded by a count, not by how far behind the workload is.
 */
class MemDeviceWorkloadLockTest {
  static final long IOVA = 0x8000_0000L;
  static final long RAM = 4L << 20;

  @Test
  void aBehindWorkloadHoldsTheLockForSmallBatchesOnly() throws Exception {
    MemDevice memdev =
        new MemDevice(MemDevice.Config.defaults().withMemorySize(1 << 20).withDmaRate(1_000_000));
    try (Host host = Migrations.host(memdev)) {
      HostProcess p = host.process("vmm");
      int fd = openIommufdOk(p);
      int dev = Kit.openOk(p, Migrations.device(host, 0).cdevPath());
      bindOk(p, dev, fd);
      int ioas = ioasAllocOk(p, fd);
      MemorySegment ram = p.memory().map(RAM);
      assertThat(mapFixed(p, fd, ioas, IOVA, ram.address(), RAM)).isZero();
      // attached to the IOAS (through an automatic HWPT), so the DMA writes land
      assertThat(attach(p, dev, ioas)).isPositive();
      // a million steps and DMA writes a second: the thread falls behind and owes thousands
      memdev.setDirtyRate(1_000_000);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((memdev.workloadSteps() < 200_000 || memdev.dmaWrites() < 200_000)
          && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
      memdev.setDirtyRate(0);
      assertThat(memdev.workloadSteps()).as("workload steps").isGreaterThanOrEqualTo(200_000);
      assertThat(memdev.dmaWrites()).as("DMA writes that landed").isGreaterThanOrEqualTo(200_000);
      assertThat(memdev.maxOpsPerLockHold())
          .as("steps plus DMA writes in one hold of the lock")
          .isPositive()
          .isLessThanOrEqualTo(2L * MemDevice.LOCK_BATCH);
      // the thread takes the lock again right after releasing it: only a fair lock lets a waiting
      // arc in first
      assertThat(memdev.lock.isFair()).isTrue();
    }
  }
}
