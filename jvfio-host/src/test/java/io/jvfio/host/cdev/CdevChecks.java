package io.jvfio.host.cdev;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.uapi.OpenFlags;

/** State checks for the cdev tests: what an unbound device and an unblocked group look like. */
final class CdevChecks {
  private CdevChecks() {}

  /** open(2) of the device's group node from a throwaway process; the fd or -errno. */
  static int probeGroupOpen(Host host, VfioDevice d) {
    HostProcess q = host.process("group-probe");
    try {
      return q.open(d.group().path(), OpenFlags.O_RDWR);
    } finally {
      q.close();
    }
  }

  /** The device is neither open nor bound, and its group node can be opened. */
  static void assertUnbound(Host host, VfioDevice d) {
    assertThat(d.openCount()).as("%s openCount", d).isZero();
    assertThat(d.cdevOpened()).as("%s cdevOpened", d).isFalse();
    assertThat(d.iommufdBinding()).as("%s binding", d).isNull();
    assertThat(d.group().isOpen()).as("%s group open", d).isFalse();
    assertThat(probeGroupOpen(host, d)).as("%s group node opens", d).isGreaterThanOrEqualTo(0);
  }

  /** The device is bound through its cdev. */
  static void assertCdevBound(VfioDevice d) {
    assertThat(d.openCount()).as("%s openCount", d).isEqualTo(1);
    assertThat(d.cdevOpened()).as("%s cdevOpened", d).isTrue();
    assertThat(d.iommufdBinding()).as("%s binding", d).isNotNull();
  }
}
