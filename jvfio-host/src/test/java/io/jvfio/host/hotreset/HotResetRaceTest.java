package io.jvfio.host.hotreset;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Groups.*;
import static io.jvfio.host.testkit.Hosts.*;
import static io.jvfio.host.testkit.HotResets.*;
import static io.jvfio.host.testkit.Iommufd.openIommufdOk;
import static io.jvfio.host.testkit.Kit.*;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY_P2P;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.migration.TestMigrationModel;
import io.jvfio.host.testkit.Kit;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.host.vfio.DeviceMigration;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * Hot resets racing migration SETs, data-fd traffic, device close and reopen, VFIO_DEVICE_RESET and
 * memory-lock holders, all through syscalls from several threads of one process. Nothing may hang,
 * every answer must be one Linux can give, and the state afterwards must be consistent.
 */
class HotResetRaceTest {
  private static final long SEED = 0x7ace_0001L;
  private static final int ITERATIONS = 300;
  private static final long TIMEOUT_SECONDS = 30;

  private static final long F0 =
      VfioConstants.VFIO_MIGRATION_STOP_COPY
          | VfioConstants.VFIO_MIGRATION_P2P
          | VfioConstants.VFIO_MIGRATION_PRE_COPY;
  private static final long F1 =
      VfioConstants.VFIO_MIGRATION_STOP_COPY | VfioConstants.VFIO_MIGRATION_PRE_COPY;
  private static final long F2 = VfioConstants.VFIO_MIGRATION_STOP_COPY;

  private static List<MigrationState> states(long flags) {
    return Arrays.stream(MigrationState.values())
        .filter(s -> s != MigrationState.ERROR && s.supportedBy(flags))
        .toList();
  }

  /** What the threads saw. */
  private static final class Tally {
    final AtomicInteger hotResetsDone = new AtomicInteger();
    final AtomicInteger deviceResetsOfM1 = new AtomicInteger();
    final AtomicInteger einval = new AtomicInteger();
    final AtomicInteger ebusy = new AtomicInteger();
    final AtomicInteger sets = new AtomicInteger();
    final AtomicInteger reopens = new AtomicInteger();
    final AtomicInteger blocked = new AtomicInteger();
    final AtomicInteger endedBeforeTraffic = new AtomicInteger();
    final Queue<Integer> leftOpen = new ConcurrentLinkedQueue<>();

    void hotReset(int ret) {
      assertThat(ret).as("HOT_RESET").isIn(0, EINVAL, EBUSY);
      (ret == 0 ? hotResetsDone : ret == EINVAL ? einval : ebusy).incrementAndGet();
    }
  }

  /**
   * A SET to a random supported state by the one thread that migrates this device; a new data fd
   * gets some traffic, then is closed or left open. RESUMING gets the whole image at once, so a
   * later SET out of it succeeds (the model accepts only its exact image).
   */
  private static void randomSet(
      HostProcess p, int fd, long flags, TestMigrationModel model, Random rnd, Tally t) {
    List<MigrationState> targets = states(flags);
    MigrationState target = targets.get(rnd.nextInt(targets.size()));
    Migrations.SetResult r = Migrations.setState(p, fd, target.value());
    if (r.ret() == EINVAL && (target == PRE_COPY || target == PRE_COPY_P2P)) {
      // the one blocked arc: STOP_COPY cannot go back to pre-copy; a reset may follow at once
      assertThat(r.dataFd()).isEqualTo(-1);
      assertThat(Migrations.state(p, fd)).isIn(STOP_COPY, RUNNING);
      t.blocked.incrementAndGet();
      return;
    }
    assertThat(r.ret()).as("SET %s", target).isZero();
    assertThat(r.deviceState()).isEqualTo(target.value());
    t.sets.incrementAndGet();
    int data = r.dataFd();
    if (data < 0) {
      assertThat(data).isEqualTo(-1);
      return;
    }
    // another thread's reset may have ended the session already: ENODEV
    long n;
    if (target == MigrationState.RESUMING) {
      byte[] image = model.image();
      n = Migrations.write(p, data, image, 0, image.length);
      assertThat(n).as("write").isIn((long) image.length, (long) ENODEV);
    } else {
      MemorySegment buf = Kit.buf(1 + rnd.nextInt(24));
      n = p.read(data, buf);
      assertThat(n)
          .as("read")
          .satisfiesAnyOf(
              v -> assertThat(v).isBetween(0L, buf.byteSize()),
              v -> assertThat(v).isEqualTo((long) ENODEV));
    }
    if (n == ENODEV) {
      t.endedBeforeTraffic.incrementAndGet();
    }
    if (rnd.nextInt(4) != 0) {
      assertThat(p.close(data)).isZero();
    } else {
      // left open: ended by a later SET, reset or close, and closed at the end
      t.leftOpen.add(data);
    }
  }

  @Test
  void hotResetsMigrationAndReopensRaceWithoutDeadlockOrTornState() throws Exception {
    TestMigrationModel m0 = new TestMigrationModel(F0, 96);
    TestMigrationModel m1 = new TestMigrationModel(F1, 96);
    TestMigrationModel m2 = new TestMigrationModel(F2, 96);
    try (Host host = busHost(new boolean[] {true, true, false}, m0, m1, m2)) {
      String b0 = busHostBdf(0);
      String b1 = busHostBdf(1);
      String b2 = busHostBdf(2);
      HostProcess p = host.process("vmm");
      int ictx = openIommufdOk(p);
      int d0 = cdevBound(p, host, b0, ictx);
      int d1 = cdevBound(p, host, b1, ictx);
      assertThat(resets(host, b0, b1, b2)).containsExactly(1, 1, 0);
      Tally t = new Tally();
      Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
      CyclicBarrier start = new CyclicBarrier(4);
      CountDownLatch done = new CountDownLatch(4);
      Lock m0Lock = device(host, b0).memoryLock().readLock();

      List<Runnable> bodies = new ArrayList<>();
      // T0: hot resets through 0000:01:00.0 and SETs on it
      bodies.add(() -> {
        Random rnd = new Random(SEED);
        for (int i = 0; i < ITERATIONS; i++) {
          if (rnd.nextBoolean()) {
            t.hotReset(hotReset(p, d0));
          } else {
            randomSet(p, d0, F0, m0, rnd, t);
          }
          if (i % 16 == 0) {
            Info info = infoOk(p, d0);
            assertThat(info.flags()).isIn(DEV_ID, BOTH);
            assertThat(info.bdfs()).containsExactly(b0, b1, b2);
          }
        }
      });
      // T1: SETs and data-fd traffic on 0000:01:01.0
      bodies.add(() -> {
        Random rnd = new Random(SEED + 1);
        for (int i = 0; i < ITERATIONS; i++) {
          randomSet(p, d1, F1, m1, rnd, t);
        }
      });
      // T2: 0000:01:02.0 opened, bound, migrated, maybe hot reset, closed, again and again
      bodies.add(() -> {
        Random rnd = new Random(SEED + 2);
        for (int i = 0; i < ITERATIONS / 3; i++) {
          int d2 = cdevBound(p, host, b2, ictx);
          t.reopens.incrementAndGet();
          assertThat(Migrations.state(p, d2))
              .as("state after open")
              .isEqualTo(MigrationState.RUNNING);
          for (int k = rnd.nextInt(3); k >= 0; k--) {
            randomSet(p, d2, F2, m2, rnd, t);
          }
          if (rnd.nextBoolean()) {
            t.hotReset(hotReset(p, d2));
          }
          assertThat(p.close(d2)).isZero();
        }
      });
      // T3: a second resetter through 0000:01:01.0, VFIO_DEVICE_RESET of it, and short
      // memory-lock holds on 0000:01:00.0 (no syscall while holding, as a model must)
      bodies.add(() -> {
        Random rnd = new Random(SEED + 3);
        for (int i = 0; i < ITERATIONS; i++) {
          switch (rnd.nextInt(3)) {
            case 0 -> t.hotReset(hotReset(p, d1));
            case 1 -> {
              assertThat(deviceReset(p, d1)).isZero();
              t.deviceResetsOfM1.incrementAndGet();
            }
            default -> {
              m0Lock.lock();
              try {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
              } finally {
                m0Lock.unlock();
              }
            }
          }
        }
      });

      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < bodies.size(); i++) {
        Runnable body = bodies.get(i);
        threads.add(
            Thread.ofPlatform()
                .name("race-" + i)
                .start(() -> {
                  try {
                    start.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    body.run();
                  } catch (Throwable e) {
                    failures.add(e);
                  } finally {
                    done.countDown();
                  }
                }));
      }
      boolean finished = done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!finished) {
        threads.forEach(Thread::interrupt);
      }
      assertThat(finished).as("threads finished (no deadlock)").isTrue();
      if (!failures.isEmpty()) {
        AssertionError e = new AssertionError(failures.size() + " thread(s) failed");
        failures.forEach(e::addSuppressed);
        throw e;
      }

      // ---- no torn state ----
      assertThat(t.hotResetsDone.get()).as("some hot resets succeeded").isPositive();
      assertThat(t.reopens.get()).isEqualTo(ITERATIONS / 3);
      for (String b : List.of(b0, b1, b2)) {
        VfioDevice d = device(host, b);
        assertThat(d.memoryLock().isWriteLocked()).isFalse();
        assertThat(d.memoryLock().getReadLockCount()).isZero();
        DeviceMigration m = d.migration();
        MigrationState s = m.state();
        assertThat(s).isNotNull().isNotEqualTo(MigrationState.ERROR);
        if (d.openCount() > 0) {
          assertThat(m.savingFile() != null)
              .as("%s saving file in %s", b, s)
              .isEqualTo(s.inSavingGroup());
          assertThat(m.resumingFile() != null)
              .as("%s resuming file in %s", b, s)
              .isEqualTo(s == MigrationState.RESUMING);
        } else {
          assertThat(m.savingFile()).isNull();
          assertThat(m.resumingFile()).isNull();
        }
        if (m.savingFile() != null) {
          assertThat(m.savingFile().disabled()).isFalse();
        }
        if (m.resumingFile() != null) {
          assertThat(m.resumingFile().disabled()).isFalse();
        }
      }
      assertThat(Migrations.state(p, d0)).isEqualTo(device(host, b0).migration().state());
      assertThat(Migrations.state(p, d1)).isEqualTo(device(host, b1).migration().state());
      // every successful hot reset reset 01:00.0 exactly once, and nothing else did
      assertThat(device(host, b0).resets()).isEqualTo(1 + t.hotResetsDone.get());
      assertThat(device(host, b1).resets())
          .isEqualTo(1 + t.hotResetsDone.get() + t.deviceResetsOfM1.get());
      assertThat(device(host, b2).openCount()).isZero();

      // ---- and everything still works ----
      assertThat(hotReset(p, d0)).as("01:02.0 unopened, in another group").isEqualTo(EINVAL);
      int d2 = cdevBound(p, host, b2, ictx);
      assertThat(hotReset(p, d0)).isZero();
      for (int fd : new int[] {d0, d1, d2}) {
        assertThat(Migrations.state(p, fd)).isEqualTo(MigrationState.RUNNING);
      }
      for (String b : List.of(b0, b1, b2)) {
        assertThat(device(host, b).migration().savingFile()).isNull();
        assertThat(device(host, b).migration().resumingFile()).isNull();
      }
      for (int fd : t.leftOpen) {
        assertThat(p.close(fd)).isZero();
      }
      int saving = Migrations.set(p, d1, MigrationState.STOP_COPY);
      assertThat(Migrations.readAll(p, saving, 17)).isEqualTo(m1.image());
    }
  }
}
