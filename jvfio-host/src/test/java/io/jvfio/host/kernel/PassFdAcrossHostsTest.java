package io.jvfio.host.kernel;

import static io.jvfio.host.testkit.Cdev.*;
import static io.jvfio.host.testkit.Devices.*;
import static io.jvfio.host.testkit.Iommufd.*;
import static io.jvfio.host.testkit.Kit.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.Errno;
import org.junit.jupiter.api.Test;

/**
 * A file belongs to one kernel: sending it to a process of another {@link Host} is refused and
 * changes nothing on either side, so each host's lock keeps guarding its own objects.
 */
class PassFdAcrossHostsTest {
  private static final int EXDEV = Errno.EXDEV.negative();

  @Test
  void passingToAProcessOfAnotherHostIsExdevAndChangesNothing() {
    Host one = new Host(DefaultHost.topology());
    Host two = new Host(DefaultHost.topology());
    VfioDevice d1 = device(one, DefaultHost.SLOT_DEVICE);
    VfioDevice d2 = device(two, DefaultHost.SLOT_DEVICE);
    HostProcess a = one.process("a");
    HostProcess c = two.process("c");
    int ictx = openIommufdOk(a);
    int dev = openOk(a, d1.cdevPath());
    OpenFile file = a.file(dev);

    assertThat(a.passFd(dev, c)).isEqualTo(EXDEV);
    assertThat(a.passFd(ictx, c)).isEqualTo(EXDEV);
    assertThat(c.openFds()).containsExactly(0, 1, 2);
    assertThat(file.refs()).isEqualTo(1);
    // the other way round as well: host 2's device is not handed to host 1
    int theirs = openOk(c, d2.cdevPath());
    OpenFile other = c.file(theirs);
    assertThat(c.passFd(theirs, a)).isEqualTo(EXDEV);
    assertThat(other.refs()).isEqualTo(1);
    assertThat(a.openFds()).containsExactly(0, 1, 2, ictx, dev);

    // host 1's device is still only host 1's: bound there, used there, closed there
    assertThat(bind(a, dev, ictx)).isEqualTo(1);
    assertThat(d1.openCount()).isEqualTo(1);
    assertThat(d2.openCount()).isZero();
    two.close();
    assertThat(other.released()).isTrue();
    assertThat(d1.openCount()).isEqualTo(1);
    one.close();
    assertThat(file.released()).isTrue();
    assertThat(d1.openCount()).isZero();
    assertThat(d1.iommuGroup().claimed()).isFalse();
  }
}
