package io.jvfio.host.cdev;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A file sent to a process that has exited must not be installed: it would sit in a table nobody
 * closes, keeping the device open and its group owned forever.
 */
class CdevPassToExitedTest {
  private static final long EPIPE = Errno.EPIPE.negative();

  private Host host;
  private VfioDevice d;

  @BeforeEach
  void setUp() {
    host = new Host(DefaultHost.topology());
    d = device(host, DefaultHost.SLOT_DEVICE);
  }

  /** After everyone exited, a new process can take the device from scratch. */
  private void assertFreshProcessCanBind() {
    assertUnbound(host, d);
    HostProcess fresh = host.process("fresh");
    int ictx = openIommufdOk(fresh);
    int dev = openOk(fresh, d.cdevPath());
    assertThat(bind(fresh, dev, ictx)).as("BIND in a fresh process").isEqualTo(1);
    fresh.close();
    assertUnbound(host, d);
  }

  @Test
  void passingToAnExitedProcessIsEpipeAndInstallsNothing() {
    HostProcess a = host.process("sender");
    HostProcess b = host.process("receiver");
    int dev = openOk(a, d.cdevPath());
    OpenFile file = a.file(dev);
    b.close();

    assertThat(a.passFd(dev, b)).isEqualTo(EPIPE);
    assertThat(b.openFds()).isEmpty();
    assertThat(a.file(dev)).isSameAs(file);
    assertThat(file.refs()).isEqualTo(1);

    a.close();
    assertThat(file.released()).isTrue();
    assertFreshProcessCanBind();
  }

  @Test
  void racingPassFdWithTheReceiversExitLeaksNothing() throws Exception {
    Random rnd = new Random(0x9e1);
    for (int round = 0; round < 100; round++) {
      HostProcess a = host.process("sender");
      HostProcess b = host.process("receiver");
      int ictx = openIommufdOk(a);
      int dev = openOk(a, d.cdevPath());
      bindOk(a, dev, ictx);
      List<OpenFile> files = List.of(a.file(ictx), a.file(dev));
      MemorySegment mem = b.memory().map(4096);
      int passes = 1 + rnd.nextInt(40);
      int[] which = rnd.ints(passes, 0, 2).map(i -> i == 0 ? ictx : dev).toArray();
      int spin = rnd.nextInt(3000);
      long[] results = new long[passes];
      CyclicBarrier start = new CyclicBarrier(2);

      Thread sender =
          Thread.ofPlatform()
              .start(() -> {
                await(start);
                for (int i = 0; i < passes; i++) {
                  results[i] = a.passFd(which[i], b);
                }
              });
      Thread exit =
          Thread.ofPlatform()
              .start(() -> {
                await(start);
                for (int i = 0; i < spin; i++) {
                  Thread.onSpinWait();
                }
                b.close();
              });
      sender.join();
      exit.join();

      // each pass either landed before the exit or failed after it; once failed, always failed
      boolean failed = false;
      for (long r : results) {
        if (r == EPIPE) {
          failed = true;
        } else {
          assertThat(failed)
              .as("round %d: a pass succeeded after one saw the exit", round)
              .isFalse();
          assertThat(r).as("round %d", round).isGreaterThanOrEqualTo(3);
        }
      }
      assertThat(b.openFds()).as("round %d: the exited table", round).isEmpty();
      assertThat(b.memory().isMapped(mem.address(), mem.byteSize())).isFalse();
      a.close();
      assertThat(files).as("round %d: files released", round).allMatch(OpenFile::released);
      assertThat(d.openCount()).as("round %d: open count", round).isZero();
      assertThat(d.iommuGroup().claimed()).as("round %d: group ownership", round).isFalse();
    }
    assertThat(host.processes()).isEmpty();
    assertFreshProcessCanBind();
  }

  private static void await(CyclicBarrier b) {
    try {
      b.await();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
