package io.jvfio.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class EduDeviceTest {
  @Test
  void livenessInvertsAndResetRestoresPowerOnValues() {
    EduDevice edu = new EduDevice();
    edu.writeLiveness(0x12345678);
    edu.computeFactorial(5);
    assertThat(edu.readLiveness()).isEqualTo(~0x12345678);
    assertThat(edu.factorialResult()).isEqualTo(120);
    edu.reset();
    assertThat(edu.readLiveness()).isZero();
    assertThat(edu.factorialResult()).isZero();
    assertThat(edu.identification()).isEqualTo(0x010000ed);
  }

  @Test
  void aTopologyNamingEduGetsAnEduModelThatTheGroupPathOpens() {
    Topology t =
        Topology.parse(
            """
            bridge   0000:00:1c.0 8086:a110 secondary=01 group=1
            function 0000:01:00.0 1234:11e8 driver=vfio-pci:edu group=2 flr=yes
            """);
    Host host = new Host(t, Models.registry());
    EduDevice edu = (EduDevice) host.device("0000:01:00.0").orElseThrow().model();
    HostProcess p = host.process("vmm");
    int group = p.open("/dev/vfio/2", OpenFlags.O_RDWR);
    int container = p.open("/dev/vfio/vfio", OpenFlags.O_RDWR);
    MemorySegment fd = MemorySegment.ofArray(new int[] {container});
    assertThat(p.ioctl(group, VfioIoctls.VFIO_GROUP_SET_CONTAINER, fd)).isZero();
    assertThat(p.ioctl(container, VfioIoctls.VFIO_SET_IOMMU, 3)).isZero();
    MemorySegment name = MemorySegment.ofArray("0000:01:00.0\0".getBytes());
    int dev = p.ioctl(group, VfioIoctls.VFIO_GROUP_GET_DEVICE_FD, name);
    assertThat(dev).isGreaterThanOrEqualTo(3);
    assertThat(edu.isOpen()).isTrue();
    assertThat(p.close(dev)).isZero();
    assertThat(edu.isOpen()).isFalse();
    MemorySegment status = MemorySegment.ofArray(new byte[(int) VfioGroupStatus.SIZEOF]);
    VfioGroupStatus.ARGSZ.set(status, (int) VfioGroupStatus.SIZEOF);
    assertThat(p.ioctl(group, VfioIoctls.VFIO_GROUP_GET_STATUS, status)).isZero();
    assertThat(VfioGroupStatus.FLAGS.get(status)).isEqualTo(3);
  }
}
