package io.jvfio.devices.memdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Device memory asks the kernel for transparent huge pages: the data path copies it about twice as
 * fast as 4 KiB pages here. Checked where it can be seen: on Linux with transparent huge pages not
 * off, the mapping's {@code AnonHugePages} in /proc/self/smaps are non-zero once a chunk is written
 * (with THP set to {@code madvise}, only the advice gives them).
 */
class LazyMemoryHugePagesTest {
  @Test
  void writtenChunksAreBackedByHugePages() throws IOException {
    Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    assumeTrue(Files.isReadable(thp) && !Files.readString(thp).contains("[never]"));
    try (LazyMemory m = new LazyMemory(8L << 20, new MemoryBudget(64L << 20))) {
      m.commit(0, 8L << 20);
      for (long at = 0; at < (8L << 20); at += 4096) {
        m.segment().set(ValueLayout.JAVA_BYTE, at, (byte) 1);
      }
      long start = m.segment().address();
      assertThat(anonHugeKib(start))
          .as("AnonHugePages of the device memory's mapping")
          .isPositive();
    }
  }

  /** AnonHugePages (KiB) of the mapping that contains {@code address}, from /proc/self/smaps. */
  private static long anonHugeKib(long address) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
    boolean inside = false;
    for (String l : lines) {
      if (Character.isDigit(l.charAt(0)) || (l.charAt(0) >= 'a' && l.charAt(0) <= 'f')) {
        if (l.contains("-") && l.indexOf('-') < l.indexOf(' ')) {
          String[] range = l.substring(0, l.indexOf(' ')).split("-");
          long from = Long.parseUnsignedLong(range[0], 16);
          long to = Long.parseUnsignedLong(range[1], 16);
          inside = address >= from && address < to;
          continue;
        }
      }
      if (inside && l.startsWith("AnonHugePages:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no mapping contains 0x" + Long.toHexString(address));
  }
}
