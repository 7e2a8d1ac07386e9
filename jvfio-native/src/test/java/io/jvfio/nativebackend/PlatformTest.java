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
}
