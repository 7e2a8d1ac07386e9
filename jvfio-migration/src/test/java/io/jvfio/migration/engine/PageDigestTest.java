package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Room for stop-copy's kept pages is allocated ahead by {@link PageDigest#reserve}, so that keeping
 * a page inside the downtime only copies it; the digest from kept pages is the RAM as loaded.
 */
class PageDigestTest {
  static final int PAGE = GuestRam.PAGE;

  @Test
  void reserveAllocatesChunkByChunkUpToTheAskedRoomAndNoFurther() {
    try (Arena arena = Arena.ofConfined()) {
      PageDigest digest = new PageDigest(arena.allocate(16L << 20, PAGE));
      long want = 2 * PageDigest.KEEP_CHUNK + 1;
      int calls = 0;
      while (digest.reserve(want)) {
        calls++;
        assertThat(calls).as("reserve calls").isLessThanOrEqualTo(3);
      }
      assertThat(calls).isEqualTo(3);
      assertThat(digest.reservedBytes()).isEqualTo(3 * PageDigest.KEEP_CHUNK);
      assertThat(digest.reserve(Long.MAX_VALUE))
          .as("the reserve never passes the keep limit")
          .isEqualTo(PageDigest.KEEP_LIMIT > 3 * PageDigest.KEEP_CHUNK);
    }
  }

  @Test
  void keptPagesUseTheReserveAndAllocateOnlyPastIt() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ram = arena.allocate(16L << 20, PAGE);
      PageDigest digest = new PageDigest(ram);
      while (digest.reserve(PageDigest.KEEP_CHUNK)) {
        // one chunk
      }
      MemorySegment page = arena.allocate(PAGE, PAGE);
      long pagesPerChunk = PageDigest.KEEP_CHUNK / PAGE;
      for (long p = 0; p < pagesPerChunk; p++) {
        page.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, p + 1);
        assertThat(digest.keep(p * PAGE, page)).isTrue();
      }
      assertThat(digest.keepAllocations()).as("allocations within the reserve").isZero();
      assertThat(digest.keep(pagesPerChunk * PAGE, page)).isTrue();
      assertThat(digest.keepAllocations()).as("allocations past the reserve").isEqualTo(1);
    }
  }

  @Test
  void aReleasedDigestReservesNothingMore() {
    try (Arena arena = Arena.ofConfined()) {
      PageDigest digest = new PageDigest(arena.allocate(1L << 20, PAGE));
      assertThat(digest.reserve(Long.MAX_VALUE)).isTrue();
      digest.release();
      assertThat(digest.reserve(Long.MAX_VALUE)).isFalse();
      assertThat(digest.reservedBytes()).isZero();
    }
  }

  @Test
  void theDigestFromKeptPagesIsTheRamAsLoadedWithOrWithoutAReserve() {
    SplittableRandom random = new SplittableRandom(11);
    for (boolean reserved : new boolean[] {false, true}) {
      try (Arena arena = Arena.ofConfined()) {
        long bytes = 2L << 20;
        MemorySegment ram = arena.allocate(bytes, PAGE);
        PageDigest digest = new PageDigest(ram);
        if (reserved) {
          while (digest.reserve(bytes)) {
            // room for every page
          }
        }
        digest.hashMarked();
        MemorySegment page = arena.allocate(PAGE, PAGE);
        // stop-copy: pages arrive (some twice, some zero) and are kept as they land in the RAM
        for (int i = 0; i < 600; i++) {
          long p = random.nextLong(bytes / PAGE);
          if (random.nextInt(5) == 0) {
            ram.asSlice(p * PAGE, PAGE).fill((byte) 0);
            assertThat(digest.keepZero(p * PAGE, 1)).isTrue();
            continue;
          }
          for (int w = 0; w < PAGE / 8; w += 61) {
            page.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8L * w, random.nextLong());
          }
          MemorySegment.copy(page, 0, ram, p * PAGE, PAGE);
          assertThat(digest.keep(p * PAGE, page)).isTrue();
        }
        String loaded = new PageDigest(ram).digest();
        // the devices run and write the RAM before the digest is finished
        for (long p = 0; p < bytes / PAGE; p += 3) {
          ram.set(java.lang.foreign.ValueLayout.JAVA_LONG, p * PAGE, ~p);
        }
        assertThat(digest.digestKept()).as("reserved: %s", reserved).isEqualTo(loaded);
      }
    }
  }
}
