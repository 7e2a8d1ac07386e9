package io.jvfio.devices.memdev;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryCrcTest {
  private static int plainCrc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** Offsets and lengths around block and view edges, with views of 3 blocks plus 8 KiB. */
  @ParameterizedTest
  @CsvSource({
    "0, 1",
    "0, 65536",
    "5, 65537",
    "65535, 2",
    "100000, 300000",
    "0, 1048576",
    "204799, 8194", // across the first view's end (3 * 65536 + 8192 = 204800)
    "1, 1048575"
  })
  void copiesAndChecksumsLikeAPlainCopyAndCrc(long offset, long length) {
    long size = 1 << 20;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment memory = a.allocate(size);
      byte[] content = new byte[(int) size];
      new SplittableRandom(offset * 31 + length).nextBytes(content);
      MemorySegment.copy(MemorySegment.ofArray(content), 0, memory, 0, size);
      MemoryCrc mc = new MemoryCrc(memory, 3 * MemoryCrc.BLOCK + 8192);
      int expected = plainCrc(content, (int) offset, (int) length);

      MemorySegment out = a.allocate(length + 3);
      CRC32C crc = new CRC32C();
      crc.update(new byte[] {9}); // a CRC already running carries on
      mc.copyOut(crc, offset, out, 3, length);
      CRC32C ref = new CRC32C();
      ref.update(new byte[] {9});
      ref.update(content, (int) offset, (int) length);
      assertThat((int) crc.getValue()).isEqualTo((int) ref.getValue());
      assertThat(out.asSlice(3).toArray(ValueLayout.JAVA_BYTE))
          .isEqualTo(java.util.Arrays.copyOfRange(content, (int) offset, (int) (offset + length)));

      // copy it back in somewhere else: same bytes, same checksum
      memory.fill((byte) 0);
      CRC32C in = new CRC32C();
      long to = size - length;
      mc.copyIn(in, out, 3, to, length);
      assertThat((int) in.getValue()).isEqualTo(expected);
      byte[] back = memory.asSlice(to, length).toArray(ValueLayout.JAVA_BYTE);
      assertThat(plainCrc(back, 0, back.length)).isEqualTo(expected);
    }
  }
}
