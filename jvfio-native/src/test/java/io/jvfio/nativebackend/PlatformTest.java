package io.jvfio.nativebackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Off Linux the backend refuses at construction, with a sentence, before any downcall is made. */
class PlatformTest {
  @Test
  void anotherOsIsRefusedByName() {
    String real = System.getProperty("os.name");
    System.setProperty("os.name", "Mac OS X");
    try {
      assertThat(Platform.isLinux()).isFalse();
      assertThatThrownBy(NativeSyscalls::new)
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("needs Linux")
          .hasMessageContaining("Mac OS X")
          .hasMessageContaining("emulated backend");
      assertThatThrownBy(() -> NativeMemory.mmap(4096, 0, NativeMemory.Sharing.PRIVATE))
          .isInstanceOf(UnsupportedOperationException.class);
    } finally {
      System.setProperty("os.name", real);
    }
    assertThat(Platform.isLinux()).isEqualTo(real.toLowerCase().startsWith("linux"));
  }

  @Test
  void linuxOnAnArchitectureWithOtherNumbersIsRefusedByName() {
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    System.setProperty("os.name", "Linux");
    System.setProperty("os.arch", "ppc64le");
    try {
      assertThat(Platform.isSupported()).isFalse();
      assertThatThrownBy(NativeSyscalls::new)
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("ppc64le")
          .hasMessageContaining("x86-64, arm64 or riscv64");
      System.setProperty("os.arch", "aarch64");
      assertThat(Platform.isSupported()).isTrue();
    } finally {
      System.setProperty("os.name", os);
      System.setProperty("os.arch", arch);
    }
  }
}
