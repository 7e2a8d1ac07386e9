package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * The memory-lock trylock of spec 8.4 step 3b: EBUSY, evaluated member by member in dev_set order
 * interleaved with the ownership test; and VFIO_DEVICE_RESET waiting for the lock instead.
 */
class HotResetBusyTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);

  /** A thread holding {@code lock} until {@link #close}, as a model doing BAR work would. */
  private static final class Holder implements AutoCloseable {
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Thread thread;

    Holder(Lock lock) throws InterruptedException {
      thread =
          Thread.ofPlatform()
              .start(() -> {
                lock.lock();
                try {
                  held.countDown();
                  release.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  lock.unlock();
                }
              });
      assertThat(held.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Override
    public void close() throws InterruptedException {
      release.countDown();
      thread.join(LIMIT.toMillis());
      assertThat(thread.isAlive()).isFalse();
    }
  }

  private static Lock readLock(Host host, String bdf) {
    return device(host, bdf).memoryLock().readLock();
  }

  private static void assertNoMemoryLockLeft(Host host, String... bdfs) {
    for (String b : bdfs) {
      VfioDevice d = device(host, b);
      assertThat(d.memoryLock().isWriteLocked()).as("%s write-locked", b).isFalse();
    }
  }

  @Test
  void aMemoryLockHeldByAnotherThreadIsEbusyUntilReleased() throws Exception {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      cdevBound(p, host, BUS_B, ictx);
      for (String busy : new String[] {BUS_A, BUS_B}) {
        try (Holder h = new Holder(readLock(host, busy))) {
          assertThat(hotReset(p, a)).as("%s busy", busy).isEqualTo(EBUSY);
          // the unwind released what it had taken (02:00.0 before 02:01.0 was found busy)
          assertNoMemoryLockLeft(host, BUS_A, BUS_B);
          assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
          // INFO does not care about the lock
          assertThat(infoOk(p, a).flags()).isEqualTo(BOTH);
        }
      }
      assertThat(hotReset(p, a)).isZero();
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(1, 1);
    }
  }

  @Test
  void aReadLockHeldByTheCallingThreadIsEbusyToo() {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int s = cdevBound(p, host, SLOT, openIommufdOk(p));
      int before = device(host, SLOT).resets();
      Lock l = readLock(host, SLOT);
      l.lock();
      try {
        assertThat(hotReset(p, s)).isEqualTo(EBUSY);
        assertThat(device(host, SLOT).resets()).isEqualTo(before);
      } finally {
        l.unlock();
      }
      assertNoMemoryLockLeft(host, SLOT);
      assertThat(hotReset(p, s)).isZero();
    }
  }

  @Test
  void theWriteSideHeldAnywhereIsEbusyToo() throws Exception {
    try (Host host = defaultHost()) {
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int a = cdevBound(p, host, BUS_A, ictx);
      cdevBound(p, host, BUS_B, ictx);
      try (Holder h = new Holder(device(host, BUS_B).memoryLock().writeLock())) {
        assertThat(hotReset(p, a)).isEqualTo(EBUSY);
      }
      // a rw-semaphore is not recursive: the caller's own thread holding it is contention too
      Lock w = device(host, BUS_B).memoryLock().writeLock();
      w.lock();
      try {
        assertThat(hotReset(p, a)).isEqualTo(EBUSY);
        assertThat(device(host, BUS_B).memoryLock().getWriteHoldCount()).isEqualTo(1);
      } finally {
        w.unlock();
      }
      assertNoMemoryLockLeft(host, BUS_A, BUS_B);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(0, 0);
      assertThat(hotReset(p, a)).isZero();
    }
  }

  @Test
  void theFirstFailingMemberInDevSetOrderDecidesBetweenEbusyAndEinval() throws Exception {
    try (Host host = defaultHost()) {
      assertThat(device(host, BUS_A).devSet().members())
          .extracting(VfioDevice::name)
          .containsExactly(BUS_A, BUS_B);
      // caller 02:00.0 alone: member 1 (itself) owned, member 2 not owned
      HostProcess p = host.process("vmm");
      int a = cdevBound(p, host, BUS_A, openIommufdOk(p));
      try (Holder h = new Holder(readLock(host, BUS_A))) {
        assertThat(hotReset(p, a)).as("member 1 busy, member 2 not owned").isEqualTo(EBUSY);
      }
      try (Holder h = new Holder(readLock(host, BUS_B))) {
        assertThat(hotReset(p, a)).as("member 2 not owned and busy").isEqualTo(EINVAL);
      }
      assertNoMemoryLockLeft(host, BUS_A, BUS_B);
      p.close();

      // caller 02:01.0 alone: member 1 not owned comes first whatever is busy
      HostProcess q = host.process("vmm2");
      int b = cdevBound(q, host, BUS_B, openIommufdOk(q));
      for (String busy : new String[] {BUS_A, BUS_B}) {
        try (Holder h = new Holder(readLock(host, busy))) {
          assertThat(hotReset(q, b)).as("%s busy, member 1 not owned", busy).isEqualTo(EINVAL);
        }
      }
      q.close();

      // the same on the group path: only 02:00.0's group passed
      HostProcess r = host.process("legacy");
      GroupDevice g = legacy(r, BUS_A_GROUP, BUS_A);
      try (Holder h = new Holder(readLock(host, BUS_A))) {
        assertThat(hotReset(r, g.device(), g.group())).isEqualTo(EBUSY);
      }
      try (Holder h = new Holder(readLock(host, BUS_B))) {
        assertThat(hotReset(r, g.device(), g.group())).isEqualTo(EINVAL);
      }
      assertNoMemoryLockLeft(host, BUS_A, BUS_B);
      assertThat(resets(host, BUS_A, BUS_B)).containsExactly(2, 2); // the two close-time resets
    }
  }

  @Test
  void vfioDeviceResetWaitsForTheMemoryLockInsteadOfFailing() {
    assertTimeoutPreemptively(
        LIMIT,
        () -> {
          try (Host host = defaultHost()) {
            HostProcess p = host.process("vmm");
            int s = cdevBound(p, host, SLOT, openIommufdOk(p));
            int before = device(host, SLOT).resets();
            Lock l = readLock(host, SLOT);
            CountDownLatch held = new CountDownLatch(1);
            Thread t =
                Thread.ofPlatform()
                    .start(() -> {
                      l.lock();
                      try {
                        held.countDown();
                        Thread.sleep(50);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      } finally {
                        l.unlock();
                      }
                    });
            held.await();
            long start = System.nanoTime();
            assertThat(deviceReset(p, s)).isZero();
            assertThat(System.nanoTime() - start).isGreaterThan(Duration.ofMillis(20).toNanos());
            t.join();
            assertThat(device(host, SLOT).resets()).isEqualTo(before + 1);
          }
        });
  }
}
