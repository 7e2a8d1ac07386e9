package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.iommu.IommuGroup;
import io.jvfio.host.iommufd.IommufdContext;
import io.jvfio.host.kernel.OpenFile;
import io.jvfio.host.vfio.DeviceSet;
import io.jvfio.host.vfio.VfioDevice;
import io.jvfio.host.vfio.VfioGroup;
import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * What must hold once every process has exited: nothing is left behind. Checked through what the
 * host exposes: processes, the files each process ever held (all released, iommufd objects gone),
 * device opens, cdev bindings, data fds, group opens, DMA ownership (as it was when the host was
 * built) and the processes' mappings.
 */
final class Quiescence {
  private final Host host;
  private final Map<Integer, Boolean> claimedAtStart;

  /** Takes the host's idle state (which IOMMU groups host drivers own) as the reference. */
  Quiescence(Host host) {
    this.host = host;
    this.claimedAtStart = claimed(host);
  }

  void check(Collection<OpenFile> files, Collection<MemorySegment> mappings) {
    assertThat(host.processes()).as("processes left").isEmpty();
    for (OpenFile f : files) {
      assertThat(f.refs()).as("references left on %s", f.describe()).isZero();
      if (f instanceof IommufdContext ictx) {
        assertThat(ictx.objects()).as("iommufd objects left").isEmpty();
      }
    }
    for (VfioDevice d : host.vfio().devices()) {
      assertThat(d.openCount()).as("opens left on %s", d).isZero();
      assertThat(d.cdevOpened()).as("cdev open left on %s", d).isFalse();
      assertThat(d.iommufdBinding()).as("iommufd binding left on %s", d).isNull();
      if (d.migration() != null) {
        assertThat(d.migration().savingFile()).as("saving fd left on %s", d).isNull();
        assertThat(d.migration().resumingFile()).as("resuming fd left on %s", d).isNull();
      }
    }
    for (VfioGroup g : host.vfio().groups()) {
      assertThat(g.isOpen()).as("group %d left open", g.id()).isFalse();
    }
    for (DeviceSet s : host.vfio().deviceSets()) {
      assertThat(s.openCount()).as("opens left in device set %s", s).isZero();
    }
    assertThat(claimed(host)).as("DMA ownership of IOMMU groups").isEqualTo(claimedAtStart);
    for (MemorySegment m : mappings) {
      assertThat(m.scope().isAlive()).as("a process mapping outlived its process").isFalse();
    }
  }

  private static Map<Integer, Boolean> claimed(Host host) {
    Map<Integer, Boolean> m = new TreeMap<>();
    for (IommuGroup g : host.iommuGroups().values()) {
      m.put(g.id(), g.claimed());
    }
    return m;
  }
}
