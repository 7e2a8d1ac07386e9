package io.jvfio.nativebackend;

import static io.jvfio.nativebackend.NativeMemory.PROT_READ;
import static io.jvfio.nativebackend.NativeMemory.PROT_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.nativebackend.NativeMemory.Sharing;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.OpenFlags;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Anonymous mappings: real memory whose address the kernel can use. */
class NativeMemoryTest {
  private static final long PAGE = 4096;

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(
        Platform.isSupported(), "the native backend runs on Linux (x86-64, arm64, riscv64) only");
  }

  @Test
  void aMappingIsZeroedPageAlignedMemoryToWriteAndRead() {
    for (Sharing sharing : Sharing.values()) {
      MemorySegment m = NativeMemory.mmap(3 * PAGE, PROT_READ | PROT_WRITE, sharing);
      try {
        assertThat(m.byteSize()).isEqualTo(3 * PAGE);
        assertThat(m.address() % PAGE).isZero();
        assertThat(m.address()).isNotZero();
        Random random = new Random(sharing.ordinal());
        long[] values = random.longs(3 * PAGE / 8).toArray();
        assertThat(m.get(ValueLayout.JAVA_LONG, 8)).as("anonymous memory is zeroed").isZero();
        MemorySegment.copy(values, 0, m, ValueLayout.JAVA_LONG, 0, values.length);
        assertThat(m.toArray(ValueLayout.JAVA_LONG)).isEqualTo(values);
      } finally {
        NativeMemory.munmap(m);
      }
    }
  }

  @Test
  void theKernelReadsAndWritesAMappingThroughItsAddress() {
    NativeSyscalls sys = new NativeSyscalls();
    Pipes.Pipe p = Pipes.open(OpenFlags.O_CLOEXEC);
    MemorySegment m = NativeMemory.mmap(PAGE, PROT_READ | PROT_WRITE, Sharing.SHARED);
    MemorySegment readOnly = NativeMemory.mmap(PAGE, PROT_READ, Sharing.PRIVATE);
    try {
      m.setString(0, "dma me");
      assertThat(sys.write(p.writeFd(), m.asSlice(0, 6))).isEqualTo(6);
      assertThat(sys.read(p.readFd(), m.asSlice(100, 6))).isEqualTo(6);
      assertThat(m.getString(100)).isEqualTo("dma me");
      assertThat(sys.write(p.writeFd(), m.asSlice(0, 6))).isEqualTo(6);
      // the page is PROT_READ: the kernel's copy into it faults, whatever the Java segment allows
      assertThat(sys.read(p.readFd(), readOnly.asSlice(0, 6))).isEqualTo(Errno.EFAULT.negative());
    } finally {
      NativeMemory.munmap(m);
      NativeMemory.munmap(readOnly);
      sys.close(p.readFd());
      sys.close(p.writeFd());
    }
  }

  @Test
  void aZeroLengthIsEinvalWithASentence() {
    assertThatThrownBy(() -> NativeMemory.mmap(0, PROT_READ, Sharing.PRIVATE))
        .isInstanceOfSatisfying(
            NativeCallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL.number()))
        .hasMessageContaining("mmap failed with EINVAL")
        .hasMessageContaining("0 bytes");
  }

  @Test
  void anUnmappedSegmentCannotBeTouchedAnyMore() {
    MemorySegment m = NativeMemory.mmap(PAGE, PROT_READ | PROT_WRITE, Sharing.PRIVATE);
    MemorySegment slice = m.asSlice(16, 16);
    m.set(ValueLayout.JAVA_INT, 16, 42);
    NativeMemory.munmap(m);
    assertThat(m.scope().isAlive()).isFalse();
    assertThatThrownBy(() -> slice.get(ValueLayout.JAVA_INT, 0))
        .isInstanceOf(IllegalStateException.class);
    // and the syscalls see a dead buffer, not unmapped pages
    assertThat(new NativeSyscalls().write(1, slice)).isEqualTo(Errno.EFAULT.negative());
  }

  @Test
  void munmapTakesOnlyAWholeLiveMapping() {
    MemorySegment m = NativeMemory.mmap(2 * PAGE, PROT_READ | PROT_WRITE, Sharing.PRIVATE);
    assertThatThrownBy(() -> NativeMemory.munmap(m.asSlice(0, PAGE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole mapping");
    assertThatThrownBy(() -> NativeMemory.munmap(MemorySegment.ofArray(new byte[8])))
        .isInstanceOf(IllegalArgumentException.class);
    NativeMemory.munmap(m);
    assertThatThrownBy(() -> NativeMemory.munmap(m)).isInstanceOf(IllegalArgumentException.class);
  }
}
