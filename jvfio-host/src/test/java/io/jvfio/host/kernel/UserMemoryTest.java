package io.jvfio.host.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import io.jvfio.uapi.vfio.VfioConstants;
import io.jvfio.uapi.vfio.VfioGroupStatus;
import io.jvfio.uapi.vfio.VfioIoctls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** A process's address space and how the kernel side reaches user memory. */
class UserMemoryTest {
  @Test
  void mapGivesZeroedPageAlignedMemory() {
    try (UserMemory m = new UserMemory()) {
      MemorySegment s = m.map(100);
      assertThat(s.byteSize()).isEqualTo(100);
      assertThat(s.address() % 4096).isZero();
      for (long i = 0; i < 100; i++) {
        assertThat(s.get(ValueLayout.JAVA_BYTE, i)).isZero();
      }
      assertThatThrownBy(() -> m.map(0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> m.map(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void isMappedNeedsTheWholeRangeInOneMapping() {
    try (UserMemory m = new UserMemory()) {
      MemorySegment s = m.map(8192);
      long a = s.address();
      assertThat(m.isMapped(a, 8192)).isTrue();
      assertThat(m.isMapped(a, 0)).isTrue();
      assertThat(m.isMapped(a + 8191, 1)).isTrue();
      assertThat(m.isMapped(a + 100, 8092)).isTrue();
      assertThat(m.isMapped(a, 8193)).isFalse();
      assertThat(m.isMapped(a + 8191, 2)).isFalse();
      assertThat(m.isMapped(a - 1, 1)).isFalse();
      assertThat(m.isMapped(a, -1)).isFalse();
      assertThat(m.isMapped(a, Long.MAX_VALUE)).isFalse();
      assertThat(m.isMapped(0, 1)).isFalse();
      assertThat(m.isMapped(0, 0)).isFalse();
    }
  }

  @Test
  void resolveGivesTheBytesOrEfault() {
    try (UserMemory m = new UserMemory()) {
      MemorySegment s = m.map(4096);
      s.set(ValueLayout.JAVA_INT_UNALIGNED, 16, 0x12345678);
      MemorySegment r = m.resolve(s.address() + 16, 4);
      assertThat(r.byteSize()).isEqualTo(4);
      assertThat(r.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).isEqualTo(0x12345678);
      // writes through the resolved view land in the process's memory
      r.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 7);
      assertThat(s.get(ValueLayout.JAVA_INT_UNALIGNED, 16)).isEqualTo(7);

      for (long[] bad :
          new long[][] {{0, 0}, {0, 4}, {16, 4}, {s.address() + 4093, 4}, {s.address() - 4, 4}}) {
        assertThatThrownBy(() -> m.resolve(bad[0], bad[1]))
            .isInstanceOfSatisfying(
                KernelError.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
      }
    }
  }

  @Test
  void memoryNotMappedByTheProcessIsNotItsMemory() {
    try (UserMemory m = new UserMemory()) {
      MemorySegment jvm = Arena.ofAuto().allocate(64);
      assertThat(m.isMapped(jvm.address(), 64)).isFalse();
      m.adopt(jvm);
      assertThat(m.isMapped(jvm.address(), 64)).isTrue();
      assertThat(m.resolve(jvm.address() + 8, 8).byteSize()).isEqualTo(8);
      assertThatThrownBy(() -> m.adopt(MemorySegment.ofArray(new byte[8])))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> m.adopt(Arena.ofAuto().allocate(0)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void tailIsTheRestOfTheMappingOrNull() {
    try (UserMemory m = new UserMemory()) {
      MemorySegment s = m.map(4096);
      assertThat(m.tail(s.address()).byteSize()).isEqualTo(4096);
      assertThat(m.tail(s.address() + 10).byteSize()).isEqualTo(4086);
      assertThat(m.tail(s.address() + 4095).byteSize()).isEqualTo(1);
      assertThat(m.tail(s.address() + 4096)).isNull();
      assertThat(m.tail(0)).isNull();
      assertThat(m.tail(8)).isNull();
    }
  }

  @Test
  void twoMappingsAreSeparateEvenIfAdjacent() {
    try (UserMemory m = new UserMemory()) {
      MemorySegment a = m.map(4096);
      MemorySegment b = m.map(4096);
      assertThat(m.isMapped(a.address(), 4096)).isTrue();
      assertThat(m.isMapped(b.address(), 4096)).isTrue();
      long lo = Math.min(a.address(), b.address());
      assertThat(m.isMapped(lo, 8192)).isFalse();
    }
  }

  @Test
  void pointerWordsPassedToIoctlAreResolvedInTheCallersMemory() {
    Host host = new Host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    HostProcess q = host.process("other");
    int g = p.open("/dev/vfio/1", OpenFlags.O_RDWR);
    MemorySegment mine = p.memory().map(4096);
    VfioGroupStatus.ARGSZ.set(mine, 8);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, mine.address())).isZero();
    assertThat(VfioGroupStatus.FLAGS.get(mine)).isEqualTo(VfioConstants.VFIO_GROUP_FLAGS_VIABLE);
    // a struct that ends exactly at the end of the mapping is fine, one byte short is EFAULT
    MemorySegment end = mine.asSlice(4096 - 8);
    VfioGroupStatus.ARGSZ.set(end, 8);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, end.address())).isZero();
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, end.address() + 1))
        .isEqualTo(Errno.EFAULT.negative());
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, 0L)).isEqualTo(Errno.EFAULT.negative());
    // another process's memory is not mapped here
    MemorySegment theirs = q.memory().map(4096);
    VfioGroupStatus.ARGSZ.set(theirs, 8);
    assertThat(p.ioctl(g, VfioIoctls.VFIO_GROUP_GET_STATUS, theirs.address()))
        .isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void processExitUnmapsItsMemory() {
    Host host = new Host(DefaultHost.topology());
    HostProcess p = host.process("vmm");
    MemorySegment s = p.memory().map(4096);
    long a = s.address();
    assertThat(p.memory().isMapped(a, 4096)).isTrue();
    p.close();
    assertThat(p.memory().isMapped(a, 4096)).isFalse();
    assertThat(s.scope().isAlive()).isFalse();
  }
}
